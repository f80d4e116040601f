from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "grants" (
    "version" INT NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "user_id" VARCHAR(128) NOT NULL,
    "stripe_subscription_id" VARCHAR(64),
    "starts_at" TIMESTAMPTZ NOT NULL,
    "ends_at" TIMESTAMPTZ NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "taken_back_seconds" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "payment_id" BIGINT NOT NULL UNIQUE REFERENCES "payments" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_grants_stripe__58424b" ON "grants" ("stripe_subscription_id");
CREATE INDEX IF NOT EXISTS "idx_grants_user_id_5cb231" ON "grants" ("user_id", "state");
COMMENT ON COLUMN "grants"."state" IS 'GRANTED: GRANTED\nTAKEN_BACK: TAKEN_BACK';
COMMENT ON TABLE "grants" IS 'The stretch of access one payment granted, and whether it still stands.';
-- Backfill: every redeemed code's stretch becomes its payment's grant (issue 13, item 1). Stacked on
-- the redeemer's live subscription that reaches past it unless the redeemer's gift time covers it;
-- a code revoked after redemption is TAKEN_BACK with what a give-back would have returned.
INSERT INTO "grants" ("version", "user_id", "stripe_subscription_id", "starts_at", "ends_at", "state",
    "taken_back_seconds", "created_at", "updated_at", "payment_id")
SELECT 1, g."redeemed_by_user_id",
    CASE WHEN c."gift_until" IS NOT NULL AND c."gift_until" >= g."granted_until" THEN NULL ELSE (
        SELECT s."stripe_subscription_id" FROM "subscriptions" s
        WHERE s."user_id" = g."redeemed_by_user_id" AND s."status" IN ('TRIALING', 'ACTIVE', 'PAST_DUE')
            AND s."current_period_end" >= g."granted_until"
        ORDER BY s."current_period_end" DESC LIMIT 1) END,
    g."granted_from", g."granted_until",
    CASE WHEN g."status" = 'REDEEMED' THEN 'GRANTED' ELSE 'TAKEN_BACK' END,
    CASE WHEN g."status" = 'REDEEMED' THEN 0 ELSE GREATEST(0, CAST(EXTRACT(EPOCH FROM (
        g."granted_from" + make_interval(months => g."duration_months") - g."granted_until")) AS BIGINT)) END,
    COALESCE(g."redeemed_at", g."updated_at"), g."updated_at", g."payment_id"
FROM "gift_codes" g LEFT JOIN "customers" c ON c."user_id" = g."redeemed_by_user_id"
WHERE g."redeemed_by_user_id" IS NOT NULL AND g."granted_from" IS NOT NULL AND g."granted_until" IS NOT NULL
    AND g."status" IN ('REDEEMED', 'REVOKED')
ON CONFLICT ("payment_id") DO NOTHING;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "grants";"""


MODELS_STATE = (
    "eJztXetz2ki2/1e6+DLOLcebOHFmrrN3qzBWEiYYPDzy2GVLElIDWkSL0cOYms3/fs/plg"
    "AJiSBssMD9xRbdfVqtc/r5O4/+qzR2TGp7Z+XAtHyF+e6sdEn+KjF9TOEhJfeUlPTJZJGH"
    "Cb7es3lxHcupFApalOfoPc93dcOHzL5uexSSTOoZrjXxLYchydchZadkOnTIic6Ibo4t9o"
    "tHAo+6xDJPieMSTfNmnk/HmvYCC+o+pDJ4sIyhKKczkzi9/1DDx/zZGb7YdAx4s8UGO3pH"
    "l3VZeTKhzHzpMHt2SfwhdSmxPMIcot1R14Pv08gJc/whtAIzKKSSYGLqPjXhLZqn31GNuL"
    "QPL/C6DFpG7y3Px9KuM+Vv1IDD1F+UIro91Wfee2zcreP5A5e2/qgRncCnDgZQ/by2zu11"
    "ua3wSq6VmoKPHplS2+Z84E3xoPEetnt8RjTDpdguVfc1bCukkrEzBkl22Qn+MBzGBQl806"
    "AMtN9zeKkRnXnUJxN9YDEdhcq/c0Zs+BQi2jyZ2NAdgGXwOWYwoSrQaGSsjzAT5BH4zhhI"
    "DWJSw0K+wWcYjguF4TsNSobOlDfY6fuUEcuHz5vS3tBxRthUYJEFuVgYvx+7nvleCJlAg6"
    "E6j9gUeA2UhI4n/oycUB3katiWMeoyqAKqJM6UIdtf8N4TMOvPgKq+M6AoV+hD//o3JFvM"
    "pPfQseHnv0rYLVTLxOIL5uEvSPs3lp6M1L5FbTM2oAQBT1f92YSnXVmDKvM/8LLYdXuq4d"
    "jBmC3KT2b+0GFzAovxFw0ooy6+GNJ8N8DBxQLbDgdjNN7EtyyKiI9YojFpXw9sHKJILRqw"
    "SCupar3RVltKW1VLK8M3olgabWESdBgc+tBUjzNggE14+b/n52/e/Hr+6s273y7e/vrrxW"
    "+vfoOyvL2rWb/+EI1ZcEtUxXlW/Vitt7FBDnRLMftgwg9Oo/u6oOKyWnA/Lqi4FK4hx7fG"
    "NF0OccqEPMyQ9Cx6SEonksU68UQJC/ksZsw9CGgNr9vVG6XVLt/cYvVjz/vT5vyC+QVzzn"
    "nqLJF68u5FXDjzSsjXavsTwZ/kn426wtkppjIvVq79zxK2CWcHlTlTVTeXeRIlR0lQdCFm"
    "GPZONDbjQq4MdTddwMs0CfECmw5QoKWxfq/alA38Ifx8ff7bGgl/KTcrn8rNEyiVEFs9zD"
    "oXeT+SfMZGpXJZYcGYc7oKrdJhGk/jeEhdZH6XmsqHTv36koj/XXbbQYa0FLUJ/bRZrbSr"
    "jToSX5KsnAyaWvVDW7nOIBOZXfYR/quVxjXmfml8xvIrSV32Vbn61Gh8hgSoAMskEpZL3N"
    "bK3+NFREqXNZVKo16p1hT+tdFzl11XW7edtqI2bpU65sV/L/IrtUZrOV/87jKl3Kx9Vz80"
    "y51rNeLmalq83Ida+WO8FKbAuxqdq5qitjpXrUqzest5FdWZnZfcEW4yYt6+2mDAvH2VOV"
    "4wKz5clnYMm85KSyRbDZJwiX9Gc5IX8F16HiYvkRwfk88vLjZgMpTKZDLPizMZNkNe1sSf"
    "zuMFxfGx+PWrV5vMFVgsuyfzzDiXF6elPJyOUz0Kt5/25LCb7owntP5o6ZSACT3dGE1111"
    "RXcpxzJ6vsatb4fJxM0Zk+4KzDj8QvCJGVChxVbGdw61oGLaUgL7H803XYiyFKqhMsuin4"
    "4lo+nql7M6KF9MSbMUN7Dydp3eTpoj5N4BHiGFQZUmPkBL6WArU8tEYEVtoIOITEfcumxN"
    "NnHodlyBR+UNvmtH048A+dKRkHxvA98YdwkkfgJCxsGcMua0HDJpTwN3JCPOwT1xoMfQKn"
    "B3KyXMAjOkI443HAmcohDsQnxk6AOIgx1NmAkgH1oSBhdBpWa5kkgJHhcjjEA/ER23FGwQ"
    "ShkU3hhEy8QFSVdw6IUz3O9rpAk8C7txvMAe/eZk4BmLUeKPB4txBjKeeWLYW0yOebJxZB"
    "CssdMzD8bZm+TCzZvgHbxeyWD5Rc0PwcmDwEFu8Rm1zCIgPXpczINa8v0xxh736zQed+k9"
    "m336zMKLDv2ArsjRFKrLdwWG9R9u6B5ztjvp9b3bdHeev37GGpDbfrZaGLdPp8q2ngfnhi"
    "6z7sg8enqN/rWbaN6sMRMCvU7K1s0LeoA7fkWohEzbWDv39tE80LetoZwe16uI+OPghLhS"
    "oT1FX2LdeDDTeFX7Bx7zLG9Xn+FLZIXHNKxMggi36KVFq4qkeV8tdP7EA0ALf6toMaPF8f"
    "oV4QCMLGn835KtSMYmdOoXaTAIe5nhS+hyfzpv0CxwLzTBw8NN2Ao4Cn/o9GxIwgjgVYlj"
    "Lf8m2KalE4nxiQMp0fd4BF0dsnLh1bwViDQwgVX+pBY4Qe2EeGD1wdRiLB2YOIU4X30HOC"
    "1Cs+pV4x1PeviiCT/0sU+9tDvd6tEM5fv/317W9v3r2d836eso7lq1ujJwDKC9ar94CTr8"
    "ytW5y3EtTHBjY+/mlrErgw4XtUhR0QtMRArqzO245jU52lcz6jhgTre1DFrmaRecp+d6ZX"
    "jUYttim9qibm6Xrn5kqBgcDlAYUsP+PoFbEOGqduo8pIoz4+tcbFRlqNizVKjYtVncbA6v"
    "tqAPsoO++hLE75CKeygjH/0A9lccMQvoX2rNDuI4+ck7RS0gcg6a1GdJJWSrrIkpa2k89C"
    "zKGB+hZijlNKMRdOzAWBTa8tbxL4qdYOUdbpOtDUFIU2xkxDaDIkQ4wTsbwB9LupPiO27v"
    "nE06fE8k+5VYFwfWB0hpYCY+eOmmkg6sMr5aiqxf4MLHemCRTU8rwAsVlmz6DGETUj+wT0"
    "ugDGM3g94pKer/voWvECeBv6l0x1LwJCUUpnROsHzPTUqeUPTVefMu1vYYpLLbTIhVGncW"
    "CTm1XMX9PTbTTW7aK3B/Mi/wm0tMAGRp/Lv4CcjC0GGTA8fe+UQA+1fOuOCtcQL5hMHBeY"
    "QNEbZfH5nmVSBJ91BD7dAcXGEmykE/jEmVD8xLA10hNDIqYSMd0MMQ3xuHB8bgfmxYmPDk"
    "XdmcWKmMi2BFCXaY9Qo//4TJdG9HtRDuAGI19/jiiOsBe/Od/EMOU82zLlXBrQ73eWCPfV"
    "OXUrS1RSn5JDnyJtCKUNYVHmkke2IUycovP18RTi/XX2V0fV05PYxTaCiFNLSWw550g9wL"
    "ECxFIP8OzEPNFnaM6aeqJeN6PG6baaS4t2JNnbbLqih1kRx6osPjiweg3YZzrj8lgOqpFg"
    "fqhKuV3UdFhy+BF1tSh10UTYRM2B/EQPBAaIWFl881tuVcrXSunH0yi4Plp9vwKPpRQN1z"
    "zvdJ2Ki9s6GZC+oZKrwdB23qRkQl14GE+QEybBakjIJ3IS2thrYQLG8HKpSekY38ojba0q"
    "uh6rYlR2NSFtzJuM3gE68eAdNrf5Ny1M1W0SRi0Ttv8IKJH/I+Uv5WqtfFVTNK5YchjtMl"
    "E9NGkKO7p5fDAQyAzePLEtQ/e4of8Z0bitPaxGfdcZa3+b/+RGJxrWhJHGhIOA71LfGHLt"
    "FLdMQV3dQL+jwhGYx1ZjPMpYpAYzdEZQ54YFudZtU41VZMTpqlJ3Vcw5+lTqrvaluzLC6X"
    "BjACMsf3QaqseHmVPnmU35nEp8hIjRTjQokSc6Z1Qq038eIC1ZR5F5X7ptKjfVzo1606i3"
    "P9W+X5JEQpdFCd95VK9FAfE7ufV4mgFjBi4PYqqOHeYPUzRgmVN8CuUxAduPaKmQrVr8+Z"
    "B4CjVjab4DLeUcE3PCy8UuFsPsXSvKjQiyJ566TPl2W21iUviApcJwf+HDNuPj9btNJrYk"
    "/LA0r71b1Vvyjbep9mbbLCkZ5DvSaB6Zx96cefkhuQSpNLQvMiS3fGLNK+gkrZT0IUh6O3"
    "+4JLGUdZFl7dI7ZwTi2sbyJ0l5fBZAO/E1pfcTCyS4xXoZp5QqrEKPLKmQfhZilgrpZyHm"
    "J1RIFwwbfjp9dB616Qa66wajbQf+PLrmulgC25ni+mHKaDwmlNI00TzjdK0amscp20wF3U"
    "7VoDqMzvXE4YFFOEROh1w7ippTD84vNvo0MtNb1UA/Ur2ogEZlNkaNQ132OuV1FNQNw7cJ"
    "t05Ud3M1OIaYDrEUvM8q9OLxgt6cF1GMPLwUazrE4NVYAw/1hqk+CFXExOOR4JYpF86eUD"
    "M86bZK2SLgHkXdc5/fVRXVIuTz4j2pd2o1LMcbyt8VlsRbrfj9XZHGnFceBSc8W8RUSb4G"
    "BqZHX5wJPTzVuMenRz42y/W2ck1e/oO0y5+VunpVrnye86nLIq5yNqHSUwT8I8LLM2KnyN"
    "JtLBYwE2R5SviNXL0Z+oWu2gPw8NrCi3TxHST6inkkQHIyD8EnOBNeU8brHup4W5sXmSNo"
    "3FdWxYapIjKgx1nAvWHxRdyFFwu95I13Kfd5vST0HoaBPRPi4yy/i3xuN9X+LyGfnLtS0S"
    "8V/c9B0V+EsH6FQj12GdgvsSblYXp2DUenqNmFU7Du+ttgTjFCeUgt9CEVb07dBlZckEkB"
    "F1rAYl+WOmduZqSwZ4OdUrgzL+WTbUR2Ge3su2yxr79c2uMnj2VPY32wumfPtztOp5eOYN"
    "IRTE6FEnd/3mKWuLvE3SXu/ni4e5XdORl3OkZZp+uwd0sUyhvlMCTjqCsCwL5+T3qw3I5M"
    "Z8rWBDJcT8djFUKSOk/ShA/X761GndiW5yNmrP3VDcN6dOFF3RL2IHVCXYNGKf8JXMszRe"
    "x0SIFq4TsNO/CsO9ot/dAuiW5P8fpGflckBk7gjQkbd0rEbSrQ51xLgOghxi08tLrMoxMd"
    "30o4G8nUCWwzDKdomuhyhjtzjlALHcBABhk89En0VOK3Er89Qvw2nPO2g27jxEfnKLe7UI"
    "6Fuw2nUP19Z3w/JGXFUfGfBeOeuKRwU34vKCR/N9IGHZi32xaun9fN8of2JeH/uqxxq9Qv"
    "Cf7tstty9fqS4N8u69QrjVpNqbSr3CEu9rPLvjSwJP4tBtS8PrLez0V3KFH2Sp0W8B3+dJ"
    "nSaV4S+NNlH69uLwn86TI4FV8S+NNl5Q48wZ8u+/32+yWBP9sI6rFv+A16vuPrKb4z6w5Z"
    "y1TH5KO7Z/zf1+/zql/uJcsfxvL8nV329IezXYBa6kTPC+ckCKUIHioCM0jRym8ggZBOCu"
    "Ahs/0C/V2VAQLBmbN+nDCpCLQMn/yXg8i7Ekbp7/2AcdCZ9ALL9i3mneH7/lHakYjWcBsZ"
    "FdMJRtubk5vyt+TOp1JrXCWVfVjBVTLaDHUtx1S5CVleLW2SVroRF1pNK6RFWcpKtJGcQ0"
    "op5UJLGTYMWxhcLJFJ+RZZvkOoj5pzmD5wUzb12RBcOvXxwXGvX20UFQCLZSM7r1bjAkSM"
    "m5j9PGxPkEl+b8rvCKKfMSPDjmwtWpNCLU02pcmmXF6kyebzE/ODbAYfz7qtEfg95/6Gep"
    "7OJ7IVG7d4gdN1lm4OL6qORdkcEc+Z41t9y+BhN4nvkNtGq43/G532VaNTv1a/KlefGo3P"
    "aqdZw5DkPrca4+7OBLgAbLWpOUi73/dRa0fjua+hS7klPKA9YBZZumE3uj/YGOpswMOJ64"
    "w5Aax4Xhh8PMrxukwYwdnQmbi1nvgZlTfnl+kO9Tu8S1f4PUMziAact6AsH95al411dyRe"
    "u9RcNI57T8KSM2LYujX2SOBRovHneeh0YlsjKry+p7Q3dJwRfBzIUdz+i23S7UUwdtFIjz"
    "uXA29DWRN/ym0O/cgru+lMPeLYJsXrhnUmeP1NbSptpd6uNurqdfl7i99aPHEDhj7/3Lcb"
    "rYx+8YgN0xAwZUQnfpedaOFlzGdh/5o67oi6Z5xQe7Gx3d8y05CG0XsfHn0MZY9JQBAzDv"
    "SdiWXgA9oFYt7SyintBKWd4DOwE5wPgU1PVnOCImvKC2NTIs0w9xLAXZ/Zjp7C5WxNxxLJ"
    "/nUcT7Nn3ok2Q55Sj/b4ElPpik1UniD7yyRHgwE92rqb3JrmHDwp5HIEFXoExU5kuefKJL"
    "FUGRVZ1slzaB5RJ2mlpIssaYw8p1LXdVLs8tswR6fLOE51DMqpdTJVvrXXbzvnIq016h+j"
    "4sm96ANdsB8PTo1cr1OA1CWv7GwINXRt3thZ2AvG6LA7dhidcQQQD4hkqntE9zCwZN9xo3"
    "Cauk961NCjkJJpLsQPqA2xUYzw2bdcz587IWOcz3hozB61HTbwEH9Fl19jSI2RE/i/eDz4"
    "48lY9yHJJL1Zl2lRpupRzwsjcp5iu/itkgn/OO7H3LdsG6gt9uI9oRz3RCjR7bKoQQPqo7"
    "dzU6krX8s1/s4RnfEXptV5Rlri9koO8fJgll6XIWzJY4Fy32SLkWulVf1YPxuLGJk4RWPq"
    "PIZl5K8uvEA07secBVvGIEgL79l0fHQ/UKGZAnaUzswSpJQgpUTR9n1nVZ+iH1SuCz5jRP"
    "tyXl6yEQ5X3nD+PWN0qs6btDOT4V2jxiMrzWR0M2e2iHaP8ewqn5TK50annZPdc7pLEj3h"
    "VXp82b6M1u/kFuaJPAxXtyl5BkkG+aNs/Avk6r/LEAvS2/9pvP3ngZiYnxVx7KfcT61Dhi"
    "feVAQG8HewZXCRGK1k+aYsP6QYF0fI/qeOp1PgNXZ3E727NceXSeXS+nOOy/vmD/K+eeGe"
    "nA9WW9BId+btPSFkfJdDiO9ycOGTSrdK/bpa/5gXtwjJYJYSDyCQr+VqG56QpF1TbpR6Gw"
    "S0mghCbNzc1hQexn/+2GUfytUaJon/IP5vt9UmJoQPiIt86NSvMSl6wohNzXa1XKt9Vxe5"
    "q2lI+0cHammp5QoaZmMVsYQuu662bju8UdFTMaZcy1Px2rOUOddxbKqzDF3GgirRmXpAtq"
    "veNE/Zr3r1qtGoxdSrV9Wk/rRzc6U0T15zvkMhy8+YZ8P4Gy7t4yVu24VPWSY+GquvPa93"
    "Yi5Ue7TvuFSNbuB72MyaVluB9+pyjt3bHNvXLTuAnoF3ZuY5/CXpCtybCnPyi3g2Xvja5W"
    "X3EunxcfxiI6f2izU+7RcpIQQSJhY5mJ5CenxMP7+42IDpUCqT6Twvm+l9aAt1J66Vdnre"
    "jPmJKo5PCDvA9YIJv9R3KyvUFWJphlpkM1TphfM8xOyMJ3gNzlaCTtDKAV1kScuoIEcr5h"
    "xm7EseJZY3CXyadodmSPnhc5PaPABGitxDK7lrUcvBDu2Va8OS9otB+jWjOVjU5JUc7rBY"
    "ZVEuX4gFNxFBzcAEIn5Gd9b9nKsfobJKWNcR9ryBq6cqBvPzKaroSJiU17UGjeAxXuIfAX"
    "VnpTQPm3iJ07WONlFZVVxCt7HHDRafEZ/e+xjMx7bwDjqXDrAul4cNwpg36NrS+lR+eX7x"
    "jpzYzpS6hu5RMqT3L9L8bh5cJ3rf8JA76JrCr8njYXos5lEXvpGc6GSoe0OCDPN44B7+Mg"
    "R9odwLHuonCvGD8YRmxNCNIfdyGc/jEFnsTrctk/fSDaPuZHqgeEMdviPPgX9BIW/Byjje"
    "Z7uc/BkNiE2dEOcERVaJF8oBUZ645QZ9f36mTZB4zRpbsHEKmM/n3pXlcKXM2gWR3/FqY3"
    "Hojrz8hkuiNqIzLVxZ0CuS1wFrjj+EfnBK6NngjGgarGOUji//Hrpe/UPTVhfCB9X0gMUo"
    "J+7/EKy/yMvQI0L92SvRFL4URtlWFxwkaeX0WLjpMQ5IplpEZhqJGPu3hixyQKCirDQC80"
    "hbX+ZoyJpVZQG7bHK4EsWJ5XkBn/ddJxgMw5vN3/M1ISwxhLORg2cmDETAI5/2MLTpxIEj"
    "DBxesCd5aSetx3/B9leOS/986Z//DPzzQz8QMa628yGJ0R7dvuu5BBY9Mt9j6fFRSI+PjL"
    "3lgXh5bNnB9+itkTVRH8IF19ty99HNamET6KXtMNaFUokojs+87fH5yxw/l/1sVP74eLur"
    "q6BcCh/L9We9XBNxku4IOb6LzYbUKGRy/5ggs3kwlJwAQJxO7i1z7S1XgLYVeawK44PjUm"
    "vAPtPZin9VuvHGUvTPAxNElv3GKeqMpnP0KtEHgQPw3VR4E1bKrUr5Win9eBoIs7UUbqWU"
    "AmTG8k/XwZnLgVs2BDUxKGp4gdEvHjGcyUxERRWYYyw46ipgmYcYbUDCdEvozzwncEUQVp"
    "CXP3w/j3A6v4JRi4pq4TKhEVwFOAleCBW9B3b3lGBgYgK8sfF6rBN6h1Yqjktc+rJPfWMo"
    "rEh0Fl77JPLnAau7DCOxhtdHOfBn6lo+xfukpnifFL5AwqkHO4WeSjh1X3BqMbG9Y9tvRx"
    "NlYUJ9FWxm2VNwuyeP61jsri/jfR0+x2W8r4OM9xXG9leNGRbeUm4rlRRacHOBzQUVCWh7"
    "wTx+NObDizS1hSiq9Sh2ySVZPHfZ4lmdRzBZTeuydrNarvEIKtFTl2Eoki9Qn/iPwU1abf"
    "W6o2BIE/GEUcbqFYUHSomeuqxTvy1XMTQZ/490nZYIhIL/izFaxaK0jcY2SSmxtR3pbWWk"
    "vmJE6hNc9tUJdS3H3M5QN6sOqX0otPYhITaads9ELsHT1NsmpNgLJnacbW1VXy/4tUEVs6"
    "qQERZzRFicMzH3qFsmlKE7ij/WtlPkx0mlnIssZ8q2C621TCclXGQJi+EoYjao6+z5NjjY"
    "pFdVYPS0VOm02o0bpQkFml+qFQVONImULqs1vqp/dMq1ahsON0s/uuym2mphXNYPSrndaS"
    "qtS5JM6bJG+5MChyf+r8taINDKJ+V68b5kSpe1Gw1VQB3fLsnSD5GjfLtV6i2OcMR+IoAh"
    "AAvxvxiARaxL9Ck10RIiDxqfWUGBe1XBTByTxhL5gKM06qNxbNw3ciStH5/Dkirj2h2tmA"
    "vizPyV9oaOM1LuMu5oj+WfrrMEnIqSKjdz29i/ObSn40SnRHQuvHocYztZZprD8k8o0Oiv"
    "TKaOO6IuMWzdGuP15nitOUZt4pGeoCeZ/OZy3SadW+wBwqnZw6vQNU4DIydgvmVrXXaiEx"
    "t2oPTFex6KCjLJdOh4VKQSF+37Ap+coNFg+FrTouYLAhsO0sM70UeUcQM/aNsH3cLr2Ic6"
    "M1HPicaGLoUPgjRogMbovQ9D1qfjic+NEXmbUdJOv7+xNeBCZZeoT1oESovA52ARGO40+R"
    "Sxnc3OMunRWaftxD4w21onndGHYJlTJP5O9Jnt6Cl9OTtk3RLJUXB53ZZvF0HrIqtJcWLa"
    "6rC7RCvtJLY+7R6eBVOpqVSU6pcQPMsBI0Z0eCOSeELrv0ZFaQkTouhx9YKm6sd6Q5g3iY"
    "dtYLvHNz4LN58pwssOCbFEcjT40KPtbdDnSKWu67h5loI41TEgnvteDGLHwtygW5JYarKK"
    "hsfEgiUkjs05pZ1CLuVdZHm71KDW3VY4a4JUAq2FFvTEdQzqeVtJOkkrh3TRJF0QSL1MXc"
    "sYllLA9DDndB2Mri/K/Aw+zxbsA0I/p8FlzwUFfuAmfQt8NxsfywZ4DxO82cMlmjiocnA4"
    "LH6E3H29qfnHOuuPFQMch/mpkV9+bzXqGceeBUlytbQMn/yX2JZ3iCjYGuYiM9afPZPHzM"
    "TihxVcPXWw6x//D0tLPDY="
)

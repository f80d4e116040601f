from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "trial_cards" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "fingerprint" VARCHAR(64) NOT NULL UNIQUE,
    "user_id" VARCHAR(128) NOT NULL,
    "stripe_subscription_id" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "trial_cards" IS 'A card (Stripe''s `card.fingerprint`: the same physical card on any customer) that has';
        ALTER TABLE "customers" ADD "trial_started_at" TIMESTAMPTZ;
        ALTER TABLE "invoices" ADD "lines" JSONB NOT NULL DEFAULT '[]'::jsonb;
        ALTER TABLE "invoices" ADD "billing_reason" VARCHAR(32);
        ALTER TABLE "invoices" ADD "discount" BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE "payments" ADD "discount_amount" BIGINT NOT NULL DEFAULT 0;
        COMMENT ON COLUMN "payments"."kind" IS 'CHECKOUT: CHECKOUT\nRENEWAL: RENEWAL\nPLAN_CHANGE: PLAN_CHANGE';
        ALTER TABLE "subscriptions" ADD "plan_change_quote" JSONB;
        ALTER TABLE "subscriptions" ADD "scheduled_product_type" VARCHAR(32);
        ALTER TABLE "subscriptions" ADD "scheduled_price_id" VARCHAR(64);
        ALTER TABLE "subscriptions" ADD "stripe_schedule_id" VARCHAR(64);
        ALTER TABLE "subscriptions" ADD "trial_end" TIMESTAMPTZ;
        ALTER TABLE "subscriptions" ADD "discount" JSONB;
        ALTER TABLE "subscriptions" ADD "scheduled_at" TIMESTAMPTZ;
        COMMENT ON COLUMN subscriptions."scheduled_product_type" IS 'PREMIUM_MONTHLY: PREMIUM_MONTHLY\nPREMIUM_YEARLY: PREMIUM_YEARLY';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "invoices" DROP COLUMN "lines";
        ALTER TABLE "invoices" DROP COLUMN "billing_reason";
        ALTER TABLE "invoices" DROP COLUMN "discount";
        ALTER TABLE "payments" DROP COLUMN "discount_amount";
        COMMENT ON COLUMN "payments"."kind" IS 'CHECKOUT: CHECKOUT\nRENEWAL: RENEWAL';
        ALTER TABLE "customers" DROP COLUMN "trial_started_at";
        ALTER TABLE "subscriptions" DROP COLUMN "plan_change_quote";
        ALTER TABLE "subscriptions" DROP COLUMN "scheduled_product_type";
        ALTER TABLE "subscriptions" DROP COLUMN "scheduled_price_id";
        ALTER TABLE "subscriptions" DROP COLUMN "stripe_schedule_id";
        ALTER TABLE "subscriptions" DROP COLUMN "trial_end";
        ALTER TABLE "subscriptions" DROP COLUMN "discount";
        ALTER TABLE "subscriptions" DROP COLUMN "scheduled_at";
        DROP TABLE IF EXISTS "trial_cards";"""


MODELS_STATE = (
    "eJztXet34jiy/1d0+NLJPZlsd/oxc9N79xxC3N1ME8jw6Meu9xhjC/DGyIwfTXNm+3+/VZ"
    "IN2Ng0doA4RF8SI6tkuUqSS/X46a/KxDGp7Z1XA9PyFea788ol+avC9AmFi5S7Z6SiT6fL"
    "e1jg6wObV9exnkahokX5HX3g+a5u+HBzqNsehSKTeoZrTX3LYUjyeUzZGZmNHXKiM6KbE4"
    "s980jgUZdY5hlxXNLve3PPp5N+/xQr6j6UMriwjLGopzOTOIP/UMPH+/NzfLDpGPBki432"
    "9AyVqaw6nVJm/uIwe35J/DF1KbE8whzS/0ZdD96vT06Y44+hF3iDQikJpqbuUxOe0vf0b7"
    "RPXDqEB3gqg57R75bnY23XmfEn9oHD1F/WIro90+feW+zcreP5I5d2/mgQncCrjkbQ/KK1"
    "3u11tavwRq6VhoKXHplR2+Z84F3xoPMe9ntyTvqGS7Ffmu73sa9QSibOBCSpshP8YTiMCx"
    "L41oc60H/P4bXu6NyjPpnqI4vpKFT+nnNiw6sQ0efp1IbhACyD1zGDKdWApk8m+h3eBHkE"
    "vjMBUoOY1LCQb/AahuNCZXhPg5KxM+MddoY+ZcTy4fVmdDB2nDvsKrDIgrtYGd8fh575Vg"
    "iZQIehOY/YFHgNlIROpv6cnFAd5GrYlnGnMmgCmiTOjCHbT/noCZj1Z0A13xlRlCuMoX/9"
    "G4otZtLvMLDh578qOCw0y8TqS+bhLyj7N9ae3mlDi9pmbEIJAl6u+fMpL7uyRnXmv+N1ce"
    "gONMOxgwlb1p/O/bHDFgQW4w8aUUZdfDCU+W6Ak4sFth1Oxmi+iXdZVhEvsUJj0qEe2DhF"
    "kVp0YFlW0bRmq6t1lK6mVdamb0SxMtvCIhgwOPWhqx5nwAi78Mv/Xly8fPnrxfOXb357/e"
    "rXX1//9vw3qMv7u37r1x+iM0tuiaY4z+rv680udsiBYSlWHyz4wWl0XxdUXFZL7scFFZfC"
    "NdzxrQlNl0OcMiEPMyQ9jy6S0olksUk8UcFSPssV8wAC2sDrbv1G6XSrN7fY/MTz/rQ5v2"
    "B9wTsXvHSeKD15cxoXzqIR8rne/UDwJ/lnq6lwdoqlzIvV6/6zgn3C1UFjzkzTzVWeRMVR"
    "EVRdihmmvRPNzbiQa2PdTRfwKk1CvMCmRyjQykT/rtmUjfwx/Hxx8dsGCX+qtmsfqu0TqJ"
    "UQWzO8dSHu/UjyGTuVymWFBRPO6Tr0SodlPI3jIXWZ+V1pK+96zetLIv6r7LaHDOkoWhvG"
    "abte69ZbTSS+JFl3Mmga9Xdd5TqDTNxU2Xv4r9Va13j3U+sj1l8rUtln5epDq/URCqABrJ"
    "MoWK1x26h+jVcRJSprK7VWs1ZvKPxto2uVXdc7t72uorVulSbei/9e3q81Wp3V++K3ypRq"
    "u/FVe9eu9q61iJvrZfF67xrV9/FaWALPavWuGorW6V11au36LedV1Gb2vaRGuM2MefV8iw"
    "nz6nnmfMFb8emyojFsuyqtkBSaJOEn/gmtSV7AtfQ8TF4hOT4mX7x+vQWToVYmk/m9OJNB"
    "GfKyFv50Hi8pjo/FL54/32atwGrZI5nfjHN5uVvKw+k41U64/bA7h/0MZ9yhDe9WdglYMN"
    "CNu5numtraHefCyaq7fmtyMUmW6EwfcdbhS+IbhJaVGmxVbGd061oGraRYXmL3zzbZXgxR"
    "U5ti1W2NL67l4556MCf9kJ54c2b038JOWjd5uWivL+wRYhtUG1Pjzgn8foqp5b4tomGliw"
    "aHkHho2ZR4+tzjZhkygx/UtjntEDb8Y2dGJoExfkv8Mezk0XASVraMsco60LEpJfyJnBA3"
    "+8S1RmOfwO6BnKxW8IiOJpzJJOBM5SYOtE9MnADtIMZYZyNKRtSHioTRWdisZZIAZobLzS"
    "EeiI/YjnMXTNE0sq05IdNeIJrKuwbEqXajXpdoEXjzaos14M2rzCUAb202FHh8WIi5lFNl"
    "SyEt8/7mgUWQwnLHDAy/KNNXiSXbt2C7WN3yGSWXND83TD4GFh/QNrliiwxclzIj17q+Sn"
    "OEo/vlFoP7ZebYfrm2ooDeUcjYGyOUtt7S2XrLorsHnu9MuD63rrdH9zbr7GGtLdX1qvBF"
    "OkOuahqoD09t3Qc9eHKG/r2BZdvoPrwDZoWevTUFvUAbqJL3Q0vUwjv4++cu6XvBoH9OUF"
    "0P9ejohbBW6DJBX+XQcj1QuCn8AsVdZYz78/wZqEjcc0rEzCDLcYpU/fCrHjXKHz+1A9EB"
    "VPVtBz14vn6HfkEgCDt/vuCrcDMKzZxC6yYBDnM/KbwPL+ZdewbbAvNcbDz6ugFbAU/7nz"
    "4RK4LYFmBdynzLtym6RWF/YkDJbLHdARZFT5+6dGIFkz5sQqh4Uw86I/zAPjJ85OowEwmu"
    "HkTsKrz77hOkX/Eh/Yqhv39dBJn8X6E4nA71Yr9CuHjx6tdXv71882rB+0XJJpavq0YPYC"
    "gv2ag+gJ18bW0tsN9KUB+bsXH3u61p4MKC71ENNCDoiYFcWV+3HcemOkvnfEYLCdYPoIl9"
    "rSKLksNqpletViOmlF7VE+t0s3dzpcBE4PKASpafsfWKWAed04q4MtKoj8+t8Xorr8brDU"
    "6N1+s+jZE19LUA9Cg776YsTrmDXVnJmP/YN2XxwBCuQntWGPeRR85JWinpRyDpQjM6SSsl"
    "XWZJw5vqtub5ulssgjKNXkq8zBKX0bJPQsxhSkIBMccppZhLJ+aSGMqvLW8a+KnxLdGts0"
    "1mclNU2tpKHhqjQzK0aqP1dgTjbqbPia17PvH0GbH8Mx5HIpJdGJ1jbMjE+UbNNLP5/Rvl"
    "dnSL/RlY7rwv7N6W5wVojWf2HFq8o2YUkYJ5NsB4Bo9HSzR8Nn1MpjkF3oYZRTPdi0zfKK"
    "Vz0h8GzPS0meWPTVefsf7fwhKXWhiDDbOuz03ZPJBm8ZiBbmN4tor5PcyLMmYwtgY7GL0u"
    "fwNyMrEY3IDp6XtnBEao5VvfqEgG8oLp1HGBCRTzj5av71kmRXeDjqZud0SxswQ76QQ+ca"
    "YUXzHsjcy9kTZyaSPfzkYeWmDD+VnMfBsnPjq7+d5ilMRCVtBkvkp7hDEcu2e6TJs4iDsI"
    "FYx84zmiOMJR/PJim1Cki+xYpAuZMnHYVSLUq3N601aopActhwdNRo3KqNGyrCU7jhpN7K"
    "LzjfEU4sMN9udHNdKTtosigohTS0kUXHOkH+BYDcTSD/DkxDzV5xjAnLqj3rSixukKraVl"
    "25IcbDVd88OsiWNdFu8c+HqN2Ec65/JYhVFJMD90pdwuW3pccvgRDbWodNlFUKIWhvzECA"
    "QGCHQ0rvxWO7XqtVL58TAOrvfW0K/BZSXFw7W4d7bJxcWj2wwo39LJ1WKYLWFSMqUuXEym"
    "yAmTYDMk5BM5CbMq+mEBora51KR0gk/l2Grrjq5dNYzOrjaUTXiXMR9EJx48w+ZZHqaFpb"
    "pNQpw6ke2BBiXyf6T6qVpvVK8aSp87lhxGVSaahy7NQKNbIMKBQObw5KltGbrHUzvOSZ9n"
    "V8DXaOg6k/7fFj95mFEfW0JsOZES4rvUN8bcO8VjkdBXN9K/UZH6zdH0GMeVi9xghs4I+t"
    "ywIve6beuxisJ2XU36rsq5Rp9J39WhfFdGuBxubcAI6x+dh2r3ZubUdWZbPqcSH6HFaC8e"
    "lAh7gDMqlek/h8RLtlFm3ldu28pNvXej3bSa3Q+Nr5ckUaCyqOArx3FbVhC/k6rHw0wYM3"
    "A5bK02cZg/TvGAZS7xKZTHZNjeYaRCtmvx51PiIdyMlYUGWsk5JxaEl0stFoEVrxXlRsAq"
    "iiuVKV9u620sCi+wVgjwGF4UmR8v3myzsCXNDyvr2pt1vyVXvE1tMC/ySckg35NH88hyNB"
    "fMy2+SS5DKQPsym+RWd6x5BZ2klZJ+DJIulgGZJJayLrOsXfrNuQNxFYn8SVIeXwTQXrKL"
    "6fepBRIs8L2MU0oXVqlnlnRIPwkxS4f0kxDzAzqkS2Ybfjh/dB636Ra+6xajXQf+7NxzXS"
    "6B7c1xfT9nNG4TKmmeaH7jbKMbmiPTbeeC7qZ6UB1GF37icMMiEiJnY+4dRc+pB/sXG3Ma"
    "memte6B31C46oNGZjTiB6Mve5LyOYPwQsE+kdaK7m7vBEVQ8tKXgCWZhFo8XDBa8iFAR8R"
    "i02RjhyrEFDu6HpT4IVaAgcuy/Vcplsie0LPARKFtCLFL0PQ/56WRRK0I+p29Js9doYD3e"
    "Uf6ssCaeY8ZPbIs85rzxCI7yfImik3wMTEyPnp4LPzzt84xPj7xvV5td5Zr88g/SrX5Umt"
    "pVtfZxwSeVRVzlbEKnp4B4JCLLM2KnuKXbWC1gJsjyjPAz2AZzzAtdjwfggOoii3T5HiR6"
    "iwX2IzlZgC4KzoQH0/G2xzqez+dF4Qh9niurYcc0gQXpcRbwbFh8EE/hxUq/8M67lOe8Xh"
    "L6HaaBPRfi4yz/FuXcbuv9X7F8cu5KR7909D8FR38ZgBxLZfXYJ5Rj4puUh+nZLRydo2Yf"
    "ScG66xexOcUI5Sa11JtUPCu3iFlxSSYFXGoBC70sdc3cLkjhwAE7lVAzr+STbUR2GWn2Kl"
    "vq9ZcrOn5yW/Yw0QfrOns+7TidXiaCyUQwuRRKu/vTFrO0u0u7u7S7787uXmffnIxTPKNb"
    "Z5ts75aolBflMCTjVlc0APv6dzKAz+2d6czYBiDDzXQcqxCKtEVRX+Rw/d5pNYlteT7ajP"
    "t/qSGshwoPUis4grQpdQ0alfwncC3PFGj5UALNwnsaduBZ36ha+dG/JLo9wwM7+emgCJzA"
    "OxN27oyI83NgzLmWMKKHNm6RoaUyj051fCrhbCQzJ7DNEE7RNDHlDDVzbqEWPoCRBBl87I"
    "vombTfSvvtEdpvwzWvmOk2Tnx0iXL7g3Is3flHpRrve+P7Y3JWHBX/WTAZiGMpt+X3kkLy"
    "dytv0CPLdiuQ+nndrr7rXhL+T2WtW6V5SfCvym6r9etLgn9V1mvWWo2GUuvWeUJc7KfKPr"
    "WwJv4th6l5M7Lez0X3WFD2Kr0O8B3+qEzptS8J/FHZ+6vbSwJ/VAa74ksCf1RW7cEV/FHZ"
    "77dfLwn8KSKoXZ/pHAx8x9dTcmc2bbJWqY4pR/fA9n9f/57X/fJdsvx+LM8/2OVIvz/bhV"
    "FLm+p5zTkJQimC+4rADFK88ltIIKSTArjPar+0/q7LAA3Bmat+nDDpCLQMn/yXG5H3JYzK"
    "34cB40ZnMggs27eYd47P+0dlTyLawG1kVMwnGKk3JzfVL0nNp9ZoXSWdfdjAVRK2xPKM/B"
    "Dcq1QyCKLYtLAtRlP2d9nTYUEgp8HOp0EY/V8gx3qd8visG3uAF6Ou5ZjiFM91bm8ODknS"
    "SvSCUkeHCGlRlqIAbyXnkFJKudRShn1KgTivFTIp3zLLdwztUXPhHQzcFFtC9jcynfr4vp"
    "Mvnm8FRoLVsg3Kz9fhSCLGTc1hHrYnyCS/t+V35BmcMyMjfHWjkTiFWm6SZKS4/LzISPGn"
    "J+Z7hSrvLqi2FfgD5/sN9TydL2RrobXxCmebAmwdXlWbiLo5Dlpgjm8NLYOj/RLfIbetTh"
    "f/t3rdq1avea19Vq4+tFoftV67gSch+DxYlaMsEOACsNWm5ijtWPGdto4xu59DJAtLAC94"
    "wCyycrB3dGy5MdbZiJ9ioDPmBPDF88IzD6I7nspE7K0Ng4kHCYufUX1zcYb3WP+GR3gLuA"
    "XoBukD5y2oy6d3X2UT3b0Tj13pLsbkviVhzTkxbN2aeCTwKOnz68WJDcS27qgAm5jRwdhx"
    "7uDlQI7i0HHsk24vz4AQnfQ4pgXwNpQ18Wc81NmPwCDazswjjm1SPOVcZ4LXX7S20lWa3X"
    "qrqV1Xv3b4YelTN2AINcIhJTC48ZlHbFiGgCl3dOqr7KQfngF/Ho6vmePeUfecE/ZPtw43"
    "XmUa0jD63YdLH0/QwCIgiMUk+87UMvACw5Hx3sqXU4Yny/DkJxCevJgC2+6sFgRlDtApTS"
    "ibjP4+yLkR+tx29BQuZ3uUVkgO71N6GJ15L94juUs92u1LLJJEKFF5zvZYJTkaG9DOvrtJ"
    "1TTn5EkhlzOo1DMotiPLvVYmiaXLqMyyTu5D84g6SSslXWZJI+ClRl3XSUkH6sIanRHOFK"
    "M6BufUJpkqX7qb1c6FSBut5vuoelIXvSfyw+7MqRHiQ4ohdQUMItuEGiIqbI1R4AUTxAmY"
    "OIzOuQUQN4hkpntE9xDPdui4EYqv7pMBNfQIyTYNueAeraFtFIGFh5br+QvsA4QXjiPyDq"
    "jtsJGH9ldEGjDG1LhzAv+ZxzFnTya6D0UmGcxV1o9uah71vBAI+Az7xQ+zTaTlcviEoWXb"
    "QG2x07eEcrsnmhJdlUUdGlEfQRbaSlP5XG3wZ97ROX9gWpvnpCMOzeUmXo6h66kMzZYcgp"
    "hDIliMXCud+vvm+URA8+ISjaUL6NwIJkMkn/U5fEKW2TJmgrTweF/Hx6wnDbopzI4SQ0Ea"
    "KaWRUlrRDn1U3pBi+mWuc4VjRIfCTFiJyQ6/vOH6e87oTFt0aW8h2vu2Gt9ZaSGj2+XQRr"
    "QHhNGsfVBqH1u9bk52L+guSXSFJ3jyz/Zl9P1W2W2j2tSAU833yiVZ+ZFUbh4o5Xldgckz"
    "fTLId7IlKBH2yD4xXyT8yMPAjyyQ4ZifBYH4U+6ntiHx0rcVgQH8HRVEO4rRSpZvy/LHBL"
    "pzhOx/aICvEn9j97fQu4U5vkoqP60/5/jUdczA8AWTCm4Akm2UeftbuW0rN/XejXbTanY/"
    "NL6Cgh8vAPU/LPiqVNurFcTvIpuA3ad0CryEfAa3JY3EVyicIxEl42tFJJBCfDRxCofOVZ"
    "HAX48B+OvR4epVbpXmdb35Pq9lKSSDr4W4AIF8rta7cIUk3YZyozS7IKD1QhBi6+a2ofDz"
    "XRaXKntXrTewSPwH8X+5rbexILxAy9W7XvMai6IrhPJrd+vVRuOrtry7Xoa0f/SglY5WrW"
    "HoPDYRK1DZdb1z2+Odiq7K8emzPA3Pw0xZeR3HpjrL8DYtqRKDaQBk+xpNi5LDOsCvWq1G"
    "zAF+VU96uHs3V0r75AXnO1Sy/Ix1NgRmcukQT/cshqu1Siy/d8W+d2It1AZ06LhUi45mvd"
    "/KmtZaifdMco092Bo71C07gJGBhynn2YQn6Uo8mkqzA494NllmQ+Zl9wrp8XH89VawA683"
    "oA68TgF5SATB5GB6CunxMf3i9estmA61MpnO72UzfQh9oe7UtdL20NsxP9HE8QlhD/bVYM"
    "pPey8UJ7xGLAOFyxwoLPOknoaYnckUz0crJOgErZzQZZa0xG05WjHnSDSIuSKmgZ8Ga3sV"
    "Ur772KY2hyhJkXsYx3gtWnm0U3vtPMlkhGmQfv50Dha1eSOPd1qssyhXtsqSm2hBzbAJRP"
    "yMDjP9OVffQ2O1sK0jHHkjV091D+bnU9TQkTApb/ITpikgouUfAXXnlbQcqHiNs42pUFFd"
    "TZxOunVOFFafE59+9xFuybbwcFKXjrAtlwM7ISoRJh91PlR/uXj9hpzYzoy6hu5RMqbfT9"
    "Myo+7dJuZHcVAkTB7i56dyICWLedSFdyQnOhnr3pggwzwOrcQfhkZfqHfKwZgiECZEfJoT"
    "QzfGPA9pskCKstg33bZMPkq3xEXKzBHyxjq8R54N/5JCHo+Ysb3PTgr6M5oQ26aJLgjK7B"
    "IvVYqo3HFLBf1wmcBtkHjDmligOAXM52vv2udwrc7GDyI//NvG6poh6m/5Sezf0Xk//LJg"
    "3ipvA745/hjGwRmh56Nz0u/Dd4zSyeXfw+S4f/T76x/Ce7V0j49RTrv/fWz9Zf4M7dDUn/"
    "0lmsGbwiwrdARFklYuj6VbHuMGydS4yMwgkeM72+heWchl+dIIm0fa92VhDdnwVVmaXbbZ"
    "XInqxPK8gK/7rhOMxqTDI/rf8m9CWGMMeyMH90wIFcGxaQcIPjt1YAsDmxccSV7aTmv3D9"
    "gGHDYdR0EiKEgEhSeAoBDm44h5VSyXJ0Z7dHrXU4F+PbIccJl5U8qMjwzd8pFkeRQc4AfM"
    "1shaqA+foXE47u48rDb/gZfyoMs8/GWOnyt+Nqp/fLzd12FdLoWX5f6zQa6FOEl3hBzfh7"
    "IhPQqZ3D8mk9kClCanASBOJ3XLXLrlmqFtTR7rwnjnuNQasY90vpZflR68sYLP+sgEkRW/"
    "cYY+o9nCepUYg8ABeG8qsglr1U6teq1UfjyMCbOzAntTSTFkxu6fbTJnrgLobGnURNja8I"
    "ipZx4xnOlc4NYKm2MMvnbdYJmHGGNAwnJL+M88J3AFTC7Iyx+/XWDQLg7J5LC2M4S8PaFT"
    "xxiTicchcJcPVZlhO8bdKS99r3ShtuNRojNvxk/fohzlduyAHAh3zOBpW3gUGQsP6Apr8p"
    "O9VObA35lr+RRxchnFOw6j0pD6aBfPM2lIPZQhtZxWvWPTtKMlsjRgayVbWQ4EL/jgyJrl"
    "HvoSce3xc1wirj1KxLXw3AXNmGPlgnJba6TUglsIbCGoSEDFBbN7POzHhzFVQBT1ZoRack"
    "mW1ypbXmsL7JL1MpV12/Vqg2OnRFcqQxCST9Ce+I+wJp2udt1DzPPwCvHFmjWFQ6REVyrr"
    "NW+rdQQl4/+RrtcRECj4vxyzVXyUivhqk5TSqrYnj63E6CsHRp/gsq9NqWs5ZrEQ3aw2pN"
    "+h1H6HhNho2hkguQRPU08CkWIvmdhxtbU1fbPgN8IpZjUhsRVzYCsumJh71q0SStCO8s+1"
    "Yi78OKmUc5nlTFkxUK1VOinhMktYTEeB1qBtiuTbYmOT3lSJraeVWq/Tbd0obajQ/lSvKb"
    "CjSZSorNH6rP3RqzbqXdjcrPxQ2U2900FE1ndKtdtrK51LkixRWav7QYHNE/+nsg4ItPZB"
    "uV4+L1mism6rpQlTx5dLsvJD3FG+3CrNDrdwxH6iAUMYLMT/chgsYkNiSKmJMRB5rPGZDZ"
    "R4VJUsuDEZJpHPcJRGfTQpjQe2HEGfdLvIfjRGKL+nZf6eRvMFj+YO7ILOxwT18a11e/D4"
    "hiwzizl9U6kl3/Px/f4e4OzWSiyLI3EFL3lfAEQ5QSu/UWX+RkUHdq1L+fdOq5ku4VWapH"
    "Qtwyf/JbblPV5AvzS5IjNiIl1D00oCZyVkhQ0k0bSmts7wzFg2otqfQWpmV7YQUomlNIpL"
    "Q2YiPYkFT2JMH62YSwIs1MUdeg2aqaSk5Cxvnm3KxxG7fAPqbQ0xhJXJiUiUeeaRPv4+Xz"
    "lBpH8pcmegP2Q6nnuWoduCyGFEZ3MSBRefCmygse4lldH9PEVlY90kOhm6lBL+4uekKi6i"
    "zBsO1YoQstiQbsN6a87JmLo8I4g7GAi05cA2gufoIA4sVlXZIJiHsLC8ubEz4/ixE+yJbg"
    "i0I6zqzonl3xduTyblPGRSTsHzdnZxxk7JxPEkQXhkuk6S6ftO1ymVDHY/zOV+QCqK+1UU"
    "P9PB2HHulG+U556v6Yqx+xvVxZmoqVGsurXGGCZVc6IzIgYXGcw5IL9lpqFM/oQCM7WrZO"
    "a4d6BjGbZuTTAbGvOouf7G1TKHmRZ2AbSx3i2OAKEHetRHbRJpYOaAWmbZfZWd6MSmukdP"
    "3/LzA+BmmKbNS4mLydiBT05Q5Qwfa1rUPAWVjpEBaH36HYUqoPJB397plg2K4lhnJqaooO"
    "roUnghoTz2Gf3uw5T16WTq8wxy3meUtDMcbp3Ivcy2SLQnk7lLqjfKZO7KHlAx+RJRTGFZ"
    "JT06dXwvumK2my0jhuARJFWWib9TfW47espYzj5nZIXkKLi8SeXbx0kjUcK7UKXzfR/XaW"
    "WKW+FApceXfFppKzWl/imMe8zhu4/o8Bh7cYXe+lZN6Yjsz+gSVMlqnaeMiv8qq79vtkRm"
    "qrhIqs4PkzccKp8pwsvG8V0hOZrQvp3pNrbu+Rp1XcfN8ymIU5U4eKW0H4PYtjC3NSZJLA"
    "NSymaPiSHcJrbNOaWdQi7lXWZ5u9Sg1rdCdtYEqTS0llrQU9cxqOcVknSSVk7pskm6JCb1"
    "KnUtY1xJMaaHd842mdH1ZZ2fmc+zBbvjAIKnYgW+p5JewL6bbR/LNvA+TuPN3o5DXNlrwq"
    "TKweGw+hFy98W2mXubEvfWfNEO81PhurPjg1dI7hUVXDZuHyIs+EE/Zj/+H+1lwG4="
)

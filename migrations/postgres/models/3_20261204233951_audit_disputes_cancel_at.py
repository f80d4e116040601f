from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "audit_entries" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "actor_id" VARCHAR(128) NOT NULL,
    "action" VARCHAR(40) NOT NULL,
    "user_id" VARCHAR(128),
    "subject" VARCHAR(255),
    "reason" VARCHAR(1000),
    "dedupe_key" VARCHAR(255) UNIQUE
);
CREATE INDEX IF NOT EXISTS "idx_audit_entri_user_id_d2961c" ON "audit_entries" ("user_id", "created_at", "id");
COMMENT ON COLUMN "audit_entries"."action" IS 'REFUND: REFUND\nPURCHASE_RESTRICTION_SET: PURCHASE_RESTRICTION_SET\nPURCHASE_RESTRICTION_LIFTED: PURCHASE_RESTRICTION_LIFTED\nGIFT_CODE_REVOKED: GIFT_CODE_REVOKED\nWEBHOOK_RETRIED: WEBHOOK_RETRIED\nWEBHOOK_REPLAYED: WEBHOOK_REPLAYED\nRECONCILED: RECONCILED\nDISPUTE_OPENED: DISPUTE_OPENED\nDISPUTE_CLOSED: DISPUTE_CLOSED\nEARLY_FRAUD_REFUND: EARLY_FRAUD_REFUND\nEARLY_FRAUD_FLAG: EARLY_FRAUD_FLAG\nDOUBLE_SUBSCRIPTION_REFUND: DOUBLE_SUBSCRIPTION_REFUND';
COMMENT ON TABLE "audit_entries" IS 'When, who (an admin''s user id, or ``system``), what, on which user and object, why.';
        CREATE TABLE IF NOT EXISTS "disputes" (
    "version" INT NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "stripe_dispute_id" VARCHAR(64) NOT NULL UNIQUE,
    "stripe_charge_id" VARCHAR(64) NOT NULL,
    "user_id" VARCHAR(128),
    "status" VARCHAR(32) NOT NULL,
    "reason" VARCHAR(64),
    "inquiry" BOOL NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "funds_withdrawn" BIGINT NOT NULL,
    "funds_reinstated" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "payment_id" BIGINT REFERENCES "payments" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_disputes_user_id_552ce9" ON "disputes" ("user_id", "created_at", "id");
COMMENT ON TABLE "disputes" IS 'A Stripe dispute as the gateway last saw it, and the money it moved.';
        ALTER TABLE "subscriptions" ADD "cancel_at" TIMESTAMPTZ;
        CREATE OR REPLACE FUNCTION "audit_entries_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP;
        END $$;
        CREATE TRIGGER "audit_entries_append_only" BEFORE UPDATE OR DELETE ON "audit_entries"
            FOR EACH ROW EXECUTE FUNCTION "audit_entries_append_only"();"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TRIGGER IF EXISTS "audit_entries_append_only" ON "audit_entries";
        DROP FUNCTION IF EXISTS "audit_entries_append_only"();
        ALTER TABLE "subscriptions" DROP COLUMN "cancel_at";
        DROP TABLE IF EXISTS "disputes";
        DROP TABLE IF EXISTS "audit_entries";"""


MODELS_STATE = (
    "eJztPWt34jiyf0WHL5O+J5PtTj9mbnrvnkOI0800gQyP7uld77GNLcAbIzF+hObM9n+/VZ"
    "IN2Ng0JoEY4i9gSypZrpLkUj3/qoy5RR3vrBpYtq8w351VLshfFWaMKVyk1J6SijGZLOqw"
    "wDf6jmhuYDuNQkObihqj7/muYfpQOTAcj0KRRT3TtSe+zRmCfBlRdkqmI05ODEYMa2yznz"
    "wSeNQltnVKuEt03Zt5Ph3r+gtsaPhQyuDCNkeyncEswvv/oaaP9bMzfLDFTXiyzYY7eobK"
    "VFadTCizfubMmV0Qf0RdSmyPME70e+p68H46OWHcH8EosIJCKQkmluFTC56ie8Y91YlLB/"
    "AAT2UwMvrN9nxs7fKpeKIOGKb+ohUxnKkx897j4G655w9d2vm9QQwCrzocQvfz3nq3V9Wu"
    "Ijq5UhoKXnpkSh1H4EEMxYPBezju8RnRTZfiuDTD13GsUErGfAyUVNkJ3picCUIC3nRoA+"
    "P3uGh1R2ce9cnEGNrMQKKK95wRB16FyDFPJg5MB0AZvI4VTKgGMDoZG3dYCfQIfD4GUJNY"
    "1LQRb/AaJnehMbynScmIT8WA+cCnjNg+vN6U9kec3+FQAUU21GJjfH+cetZ7SWQCA4buPO"
    "JQwDVAEjqe+DNyQg2gq+nY5p3KoAvokvApQ7S/ELMnYPafAdV8PqRIV5hD//o3FNvMot9g"
    "YsPtvyo4LTTbwuYL5OEdlP0bW0/utIFNHSu2oCSAKNf82USUXdrDOvOvRVucun3N5E4wZo"
    "v2k5k/4mwOYDPxoCFl1MUHQ5nvBri4WOA44WKM1pt8l0UT+RJLMBYdGIGDSxSh5QAWZRVN"
    "a7a6WkfpalplZflGEEurLSyCCYNLH4bqCQQMcQg//+/5+evXv5y/fP3u17dvfvnl7a8vf4"
    "W2YryrVb98l4NZYEt2JXBW/1BvdnFAHKal3H2w4LuAMXxDQglaLbAfJ1ScCldQ49tjmk6H"
    "OGSCHlYIehZdJKkT0WIdeaKCBX0WO+YeCLQG1936jdLpVm9usfux5/3pCHzB/oI156J0li"
    "g9efciTpx5J+RLvfuR4C35Z6upCHTKrcyLtev+s4Jjwt1BY3yqGdYyTqLiqAiaLsgMy55H"
    "azNO5NrIcNMJvAyTIC+g6QAJWhkb3zSHsqE/gttX57+uofDnarv2sdo+gVYJsjXDqnNZ9z"
    "2JZxxUKpYVFowFpuswKgO28TSMh9BFxnelrVz3mlcXRP6r7LaHCOkoWhvmabte69ZbTQS+"
    "IFk1GTCN+nVXucoAk5Uq+wD/Wq11hbWfW5+w/UqRyr4olx9brU9QAB1gm0TBcovbRvVrvI"
    "ksUVlbqbWatXpDEW8bXavsqt657XUVrXWrNLEufr+orzVaneV6ea8ypdpufNWu29XelRZh"
    "c7Us3u66Uf0Qb4Ul8KxW77KhaJ3eZafWrt8KXEV9ZtclOcJNVsyblxssmDcvM9cLVsWXyx"
    "LHsOmutASy1SIJP/HPaE/yAsGl50HyEsjxIfn87dsNkAytMpEs6uJIBmbIy9r403G8gDg+"
    "FL96+XKTvQKbZc9kURnH8uK0lAfTcahHwfbTnhx2M53xhDa4WzolYEHfMO+mhmtpKzX8nG"
    "e1Xa0an4+TJQYzhgJ1+JL4BqFkpQZHFYcPb13bpJUUyUus/nSd7MWULbUJNt1U+OLaPp6p"
    "+zOih/DEmzFTfw8nacMS5bI/Xcoj5DGoNqLmHQ98PUXU8tAeUbDSRYFDCDywHUo8Y+YJsQ"
    "yZwg11HAE7gAP/iE/JODBH74k/gpM8Ck7CxrY5UlkHBjahRDxRAOJhn7j2cOQTOD2Qk+UG"
    "HjFQhDMeBwKpQsSB8okxD1AOYo4MNqRkSH1oSBidht3aFglgZbhCHOIB+YjD+V0wQdHIpu"
    "KETHmB7CrvHhCHehz2ukCbwLs3G+wB795kbgFYtV5Q4IlpIddSTpYtBbTI55snJkEKyrkV"
    "mP62SF8GLtG+Adrl7pZPKLmA+bFg8hBQvEfZ5JIsMnBdysxc+/oyzBHO7tcbTO7XmXP79c"
    "qOAnzHVsLeGGAp6y2crLcovHvg+Xws+LlVvj2qW8+zh602ZNerUhfJB4LVNJEfnjiGD3zw"
    "+BT1e33bcVB9eAfICjV7Kwz6Fn0gS66Hkqi5dvC3L12ie0FfPyPIrod8dPRC2CpUmaCucm"
    "C7HjDcFO6AcVcZE/o8fwosktCcErkyyGKeIpQeftWjTsXjJ04gB4CsvsNRg+cbd6gXBIBw"
    "8GdzvEo1o+TMKfRuEcCw0JPC+4hiMbSf4FhgncmDh26YcBTwtP/RidwR5LEA21Lm275DUS"
    "0K5xMTSqbz4w6gKHr6xKVjOxjrcAih8k09GIzUA/uI8KFrwEokuHsQearwHnpOKPWKT6lX"
    "DPX9qyTIxP8SxP54qFe7JcL5qze/vPn19bs3c9zPS9ahfJU1egJBecFm9R7k5Ct76xbnrQ"
    "T0sQkbH/+0NQlc2PA9qgEHBCMxESur+zbnDjVYOuYzekigvg9d7GoXmZfslzO9bLUaMab0"
    "sp7Yp5u9m0sFFoKgBzSy/YyjV4Q6GJy2jSojDfr41BpvN9JqvF2j1Hi7qtMY2gNfC4CPcv"
    "IeyuKQj3AqKxjyD/1QFjcMESy0Z4d2H3nonIQtKX0AlN5qRSdhS0oXmdKl7eSzIHNooL4F"
    "meOQJZkLR+aCiE2vbG8S+KnWDlHV6TqhqSUbbSwzDUWTIRjKOFGWN4R5NzVmxDE8n3jGlN"
    "j+qbAqkK4PjM7QUmDM76mVJkR9eKdCqmqzPwPbnelSCmp7XoCyWebMoMc7akX2Ceh1AYhn"
    "8HiUS3q+4aNrxQvAbehfMjW8SBCKVDoj+iBglqdNbX9kucaU6X8LS1xqo0UurDpdCDaFWc"
    "X8MX3DQWNdFb09mBf5T6ClBQ4wel3xBuRkbDOogOXpe6cEZqjt2/dUuoZ4wWTCXUACRW+U"
    "xet7tkVR+Gyg4NMdUhwswUHywCd8QvEVw9GUnhilxLSUmG4mMQ3lceH63E6YFwc+Oinqzi"
    "xW5Ea2pQB1GfYINfqPj/TSiH4vygFkMPLN5wjiCGfx6/NNDFPOsy1TzksD+v3uEiFfnVO3"
    "sgRV6lNy6FNKG8LShrAoe8kj2xAmTtH55ngK8P4m+8ujmulJ2cU2hIhDl5TYcs8p9QDHKi"
    "Au9QDPjswTY4bmrKkn6nU7ahxuq720aEeSve2mK3qYFXKs0uKaw9dryD7RmaDHclCNBPJD"
    "VcrtoqfDosP3aKpFpYshAhM1F+QnZiAgQMbKEsxvtVOrXimV70+j4PpgD/waXFZSNFzzut"
    "N1Ki5h62RC+YZKrhZD23mLkgl14WI8QUxYBLshIZ7ISWhjr4cFGMPLpRalY3yqiLS1quh6"
    "rI5R2dWGsrEYMnoHGMSDZzjC5t+ysdRwSBi1TNr+o0CJ/B+pfq7WG9XLhqILxRJnVGWyex"
    "jSFDi6eXwwIMgMnjxxbNPwhKH/GdGFrT18jQYuH+t/m98KoxMde8JIY9JBwHepb46EdkpY"
    "pqCubmjcU+kILGKrMRFlLFKDmQYjqHPDhkLrtqnGKjLidLVSd1XMPfq01F3tS3dlhtvhxg"
    "KMsP3RaageX8ycus9siudU4COUGO1EgxJ5ogtEpSL9xwHSkn0UGfeV27ZyU+/daDetZvdj"
    "4+sFSRSoLCr4KqJ6LRrI+yTr8TQLxgpcEcRUG3Pmj1I0YJlbfArkMQm2H9FSIVu1+OMl8R"
    "RqxsqcA63kXBNzwIsFF4th9q4U5UYG2ZNXKlP+uK23sSi8wFZhuL/wYpv18erdJhtbUvyw"
    "tK+9W9VbCsbb0vqzbT4pGeA70mgemcfeHHn5RXIJ0NLQvsgiueUTa15CJ2FLSh8Cpbfzh0"
    "sCl7QuMq1des/vgFzbWP4kIY/PAmgnvqb028QGCm7xvYxDliqsQq+sUiH9LMhcKqSfBZmf"
    "UCFdMNnw0+mj86hNN9Bdtxjtcvh5dM11sQi2M8X1g5TRdXbPM2JLR1Wn61TRtmyU19syBB"
    "POj5heyTe+kT58bu8sPmVrHCrXwwmfSSjS5kW61CX/1mk1ZcopPiD6X2poXqzCg9QKziBt"
    "Ql2TRiX/CVzbs2QMFyiBbuE9TSfw7HuqVr7rF2GiLRmzGg04xWDCwZ0SGdUN5hwmm0J1dZ"
    "hBSmqKVebRiYFPJQKNZMoDxwrdOi0LVd9ohSiU56hXnwDlSmfHA99ET0uF8XMKD1eo0/Mu"
    "A8SFe9527o1x4KNT2O/OpbRwUfkKNd93hncv6M+Htx3uU3oo8f9j/LNg3JfBkjfF9wKixO"
    "8m8/vQtO5bmKBctavX3Qsi/lSG2ekuCP6q7LZax0R78KuyXrPWajSUWrcuFPOxW5V9bmFL"
    "/E2eUZ5G4b7ew+/HpDsUb79KrwN4hx+VKb32BYEflX24vL0g8KMyOBVfEPhRWbUHV/Cjst"
    "9uv14Q+NmGUI+daSDo+9w3UnR46w5Zy1DHZCu0Z4c03/iWD+8hQIny7VGef7KXM/3haJdC"
    "LW1i5BXnJABLEjyUBFaQYtW7AQVCuJIAD9ntF9LfVRqgIDhz148DJhWBtumT/woh8q6IUf"
    "n7IGBC6Ez6ge34NvPO8Hn/qOyIRGuwjYiK6QQj9ubkpvpHkvOpNVqXSWUfdnCZtHqnrs0t"
    "DXhRN7eWNglbmjMVWk0rqUVZypdoIzqHkCWVC01lYBi2MLhYAivpW2T6jqA/as3F9IGbwt"
    "Rni+DSoY9PHLer/N4R4ibWIA/aE2AlvjfFdySiz04LuVZakwJdxhAqYwiVn5fSZPP5kflB"
    "NoOPZ93WCvw+/3ZDPc8QG9mKjVu8wek6Szcummpj2TZH5BXGfXtgm8L9l/ic3LY6Xfxv9b"
    "qXrV7zSvuiXH5stT5pvXYDQ6P4wmpM+O0QwAKg1aHWMC3PwKP2jsZzX8J8pTaTIU8AWWQp"
    "0n+Ux0AmJcWwJgZjPIAvnhcGQYlqvCiJqwOTSVjryduovTUP6j8y7jGm/wgQD0vUOiM6YN"
    "6GtmJ56yobG+6dfOzScNE47j0JW86I6Rj22MPUtUQX1/MQLsSxZYJXlU1pf8T5Hbwc0FFm"
    "IcAxGc4iKEyYjpViHBfAbUhrmYmWGH4UrKaNuW+5Y2GSWnhhies/tLbSVZrdequpXVW/dk"
    "T2hIkbwEudEmqYI5FZ9yePOLANAVLu6MRX2YkeJoU4C+fXlLt31D0TgPqLje3+lpGGMIx+"
    "8+HSx5A6WAQAMeNAn09sEy/QLhDrlr6cpZ1gaSf4DOwE50tg05PVHKDImvLC2JSUZph7CS"
    "RjzBxupGA5W9OxBLJ/HcfT8Mw70WaUp9SjPb7EVLqSicoT7GcZ5GhkQI/23U2ypjkXTwp4"
    "uYIKvYJiJ7Lce2USuFQZFZnWyXNoHlInYUtKF5nSmMRSo67LU+zyu7BHp9M4DnUMyql1NF"
    "X+6K5nO+ckbbSaH6LmSV70gS7YjydOjVyvUwSpS17Z2SLU0LV5Y2dhLxijw65MDYoSQDwg"
    "Yi7TMP3pgLsyf6pIUtqnJsorAcD201yIH9Abyka7ADGwXc+fOyGLPKXLHj0A5HA29FD+ii"
    "6/5oiadzzwf/KIy6fkZGz4UGSR/kxlelSpedTzpDuQforjEtGtE/5xwo95YDsOQNvsxXtC"
    "hdwTRYmuyqIBDamP3s5tpal8qTbEM+/oTDwwrc8z0pFRtIWIVwTZ9lSGYkvEjvRNthm5Uj"
    "r1D82zsSWQg1s0lup9GA3g9izyV5deILrwY84SW8ZEkDbG++Y+uh9oMEwpdiydmUshZSmk"
    "LKVo+46dOaDoB5Ur0HgMaF/Oy0s2wuGXN9x/zxidavMh7cxkeNdS4zs7zWR0M2e2CHaPsX"
    "9rH5Xap1avmxPdc7gLEl1hSF/x2b6Ivt9JFuaJPAxX2ZQ8iyQD/FEY/wK5+u8yxELp7f80"
    "3v7zQEzMz4o49kPsp/ZxdPGsjzR3+rNE+SHFuDhC9D91PJ0Cf2N3t9G7W2N8GbT8tP4Y42"
    "Xem4PMe1NmcC9kBvcyvktB4rscXPikyq3SvKo3P+SVW4RgsEvJCyDIl2q9C1cI0m0oN0qz"
    "CwRaLQQitm5uG0oXkxbNL1V2Xa03sEj+p6c6uu41r2SuI3mFEZva3Xq10fiqLWpXyxD29x"
    "700tGqNTTMxi5iBSq7qndue2JQ0VUxtlzb0zCNasqey7lDDZahy1hAJSZTH8B2NZvmJftV"
    "r162Wo2YevWyntSf9m4ulfbJK4F3aGT7GftsGH9D5nCl24VPWQY+GquvPX/v5F6o9emAux"
    "QwirqhtFBCeXbWtN4KzKuXe+ze9tiBYTsBzIy8KWaTcAWeTYU5+UU4Gy987fKiewn0+DC+"
    "kxRHSROLHEhPAT0+pJ+/fbsB0qFVJtJFXTbSBzAW6k5cO+30vBnyE10cHxEef68pPTO2Ya"
    "cPzgLV5OMJpkbZitAJ2NLWuMiULiNFHC2Zc5g2L3kZ2N4k8GmKyO0yhLz+1KaOCIqQQvfQ"
    "cupK9nKwS3sllVTSpi1g1gNR1BadHO6yWEVRLvv4pVy89sDPOCdG+IzymP0Yqx+gs1rY15"
    "HMvJyeBG1444Y9tgENAfOFcfiKS8FKm9N1vgUii5eDzWF0ov2GbgY6nG50gs+WUUZEH9SC"
    "a0DEKaFnwzOi6zJF+sXfQ+Paf+j6qovBg3r6cZCPTIP3nCe7h5zmCmbxvqvDXLZ5+xTeFD"
    "5qW4WwTcKW3EjhuJH48SJV552pBjD3r+8usst3QXzWQg4m7fsy523WfFUWTNQmDmuyObE9"
    "LxD7vsuD4SjMXflefBPCFiPb87mLbmiGL2Nb9TF41YQ7tjkjYiZ5aT5sj/+A7ZNKlh5YpQ"
    "fWM/DACi395LrazkowBnt0fNdzCR11ZN4lpU1fIW36MnjLA7Hj23KC79EeL2ujPoQUhtti"
    "99ENJ4AJ9NI4jHXOshHE8SkwHx+/jPu5LCSi9seH210F+3cpvKzIT9HPtREn4Y4Q47tgNk"
    "qNfCb2j0lkNnd3zSkAiMOVvGUu3nJF0LZCj1ViXHOX2kP2ic5WLGjTVVZL8Z0OjBBZKqtT"
    "1BlN59KrxBwEDMB7U2kvXqt2atUrpfL9aUSYnSWH2kqKIDNWf7pOnLnsmruhUBPDXoUh6n"
    "/yiMknMxn3SsocY+GvVgWWeYAxxlZYbkv9mccDV4bZAnr5o/fzGFbzJDt61FQPPxM6wa+A"
    "AMGQ/9FzgLunBEPPEcCNgwkQTug9EJtwl7j05wH1zdELmcKAhYH9Zf08JKHKMNZWmCCAw8"
    "/UtX2KGQOmmDEAH1CKUw92Cz0txallQKtj4rcLF8yhYDvLnsKXPHnknmJP/TKiw+FjvIzo"
    "cJARHcLorZo5w8Zb0m2lk0ITbk6wOaEiAm1PmMePt3d4sQS2IEW9GXmnXpDFtcoW19rcR3"
    "W1TGXddr3aED6y0ZXK0Nn0M/Qn/9F9tdPVrnoKOq3KK4wj0awpwhU2ulJZr3lbrWPwCfGP"
    "cL2OdHXF/2KsVvlR2kZjm4QsZWs70tuWsViKEYtFYtnXJtS1ubWdoW5WH6X2odDahwTZaF"
    "ok4VyEp6nxhEuyF4zsuNs6mrGe8GvD5mR1UcbQyRFDZ47E3KtuGbB0xC3+WttOkR8HLelc"
    "ZDpTDGS1BZGX4UoKF5nCcjlKT1VtnT3fBgeb9K4KLD2t1HqdbutGaUOD9ud6TYETTaJEZY"
    "3WF+33XrVR78LhZulGZTf1Tgcjb10r1W6vrXQuSLJEZa3uRwUOT+JPZR0gaO2jcrV4XrJE"
    "Zd1WS5Oijj8uyNKNrFH+uFWaHSHhiN2iAEMKLOR/MQQWsSkxoNRCS4g80vjMDgo8qwpm4p"
    "g0lsgnOEqDPhrHxn1Ljkrrx+fwSS2j1BwtmQvizPyF9kec3yn3GVk4Y/Wn6ywBp7KlJszc"
    "NvZvDu3pBNApkZMLk0tiskvbSnNY/gEEGv1VyZS7d9QlItUzJrDExJVT2x8RziiBmWSJ3J"
    "SGQ3q3OAOkU7OHyS71WHpoXWUnBnGAA6Uv3kM/opJMR9yjspS4aN8X+OQEjQbDx1o2tV4Q"
    "YDhIH7Ne3lEmDPxgbNeGjQk3RwazUM+JxoYuhReCMhiAnshErssxI6X5YLCxNeBCZZfMbF"
    "5aBJYWgc/AIjDkNMUWsZ3NzjLo0Vmn7cQ+MNtaJx3Rh2CZUyT8ToyZw42UuZydGX0J5Ciw"
    "vI7le6y86Gk2l/LEtNVhdwm2tJPY+rR7eBZMlbZSU+qfQ+FZDjFiBIcx7+UVWv+1akpHmh"
    "BFl6sh+Osfmi1p3iQvthHbPb7xWch8phAvOyTEEsjRyIcejbdBnyONui5383wK4lDHIPHc"
    "98cgdizMLXRLApearKLJY2LBEhLH5pzUTgEv6V1kervUpPb9VnLWBGgpaC00oScuN6nnbU"
    "XpJGy5pItG6YKI1KvUtc1RJUWYHtacrhOjG4s2PxKfZxP2AaGf08Rlz0UK/EAmfQv5brZ8"
    "LFvAe5jCmz2kScJFlQPDYfMjxO6rTc0/1ll/rBjgcOanRn75rdNqZhx7FiDJr6Vt+uS/xL"
    "G9Q5SCrUEuImP92TN5zEx8/LCDy6cOdv39/wENW2LF"
)

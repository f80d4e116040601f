from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "outbox_messages" (
    "version" INT NOT NULL,
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "topic" VARCHAR(64) NOT NULL,
    "user_id" VARCHAR(128) NOT NULL,
    "payload" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMP NOT NULL,
    "claimed_until" TIMESTAMP,
    "delivered_at" TIMESTAMP,
    "last_error" TEXT
) /* One notification to POST to OUTBOUND_WEBHOOK_URL, retried until acknowledged. */;
CREATE INDEX IF NOT EXISTS "idx_outbox_mess_deliver_224dbe" ON "outbox_messages" ("delivered_at", "next_attempt_at");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "outbox_messages";"""


MODELS_STATE = (
    "eJztPWt32jq2f0WLLye9K5Np0+dN585ahLgtpwlkeLTnzPgs29gCdGNkxo9Q1pn+99lbsg"
    "Ebm2IHUkP8BYykLYu99dhv/VmbOBa1vbOG4Ru2M7p1mUlrF+TPGjcm+JBaf0pqxnS6rMUC"
    "3xjYAsCULbUpNhVVxsDzXcP0oXZo2B6FIot6psumPnM4wnx1me9TTgZzoofwxJtzU39PXG"
    "pYolz2pxODW9AIin3aGFPzzgl8/QxfYzkmvIfx0U56VLnKe2NKIuAhsynxjLlHZmPDJzP4"
    "QW1bwA4dl4ydGZkE5vg98cfMIy78DBszc6zyLgxsSol4owD0CPOJy0Zjn3Boe7LawCOGSw"
    "mbTAKB1FPiOfAeYkycgPsqN8cGH1Eyoj40JJzOwm6ZRQJuURdGgCOdUGI7zl0wJXd0/kxg"
    "KODs3wHVfAdgx9QFPP3rDyhmAPUNSBX+nN5pQ0ZtKzYNZFcadIUdiXrNn09FXWNsuB8EBF"
    "JhoJmOHUz4OtR07o8dvgADYmHpiHLqAuqtlenBA9sO51NUJMcOBb4b0MWgrWWBRYdGYOMk"
    "Q2g5kmVZTdNa7Z7WVXqaVlubgBHEygwKi0yH4+Rl3PcEPibGN82mfOSP4eebV9/le5b4kK"
    "3whV/qncaneufkzatn+EIHVoBcIK2w5lxUfRddwCSTnQgqLNHuiWkh15LGrDy4TwHdDQGi"
    "giUFlqv6YEmQgnLHCky/KNJXgSu0b4F2ubut4/qSjZrcT8f2EiaBYiZLDw3FIxzEX/73/P"
    "zly7fnz1++eff61du3r989fwdtxYjXq95uoMNl82Oz1YuTAAviiDcD16XczLWvr8Ic4ex+"
    "ucXkfpk5t1+u7SjAd1BLM1Jm9xWgyGcTmrGbrAIm8GyFkGfRwwFifQOae80bpdur39xi9x"
    "PP+7ct0FXvKVhzLkrnidKTNwmaLDohX5u9TwR/kn+2W4pAp+P5I1e8cdmu988ajskIfEcD"
    "tkwzrFWcRMVR0XfkloZ3Kwc3FgwM825muJa2VuOcO1lt16sm55NkicGNkSASYhPHGfHmge"
    "c7E8HPrfPtUd1mnj1stSW7XieBB3ymMxSspon88NQ2fOCDJ6fE8MiA2TbQndwBsjxsM1ln"
    "0Av0gSy5jlBwruqEiVLy69ce0b1goJ8RZNdDPjr6Q9hKcvYWcTgw8a4HDDeFX8C4q5zTe+"
    "SXZ8AiXYje5Mogy3mKUHp4qkeditdP7UAOAFl92zHvVO4bdyBxMAAIB3+2wKtOJlApOXMK"
    "vVsEMAyvdin8H1EshvYLiAXWmRQ8dMMEUcDT/kcnckeQYgG2pdxnvk0n8A3yiQkls4W4Ay"
    "iK3j516YQFEx2EECr/qQeDAfkE0OojwkeuASuR4O5BpFThPVROSGOXNh3hqRxSyvEdMvnl"
    "FQwe8ezOFheAxh4OfI0EmfhfgXg8HurFfolw/uLV21fvXr55tcD9omQTytdZo3CvycMZrY"
    "Acnbj74vzdFowRtMpkjURdqri1srcWkLcS0IUwH+K1jIjfvbQ1DVzY8D2qAQcEIzERK+v7"
    "tuPY1ODpmM/oIYH6AXSxr11kUfK4nOllu30dY0ovm4l9utW/uVRgIQh6QCPmZ4heEepgcI"
    "BGw0vbubPnfjr0TuZ+qaSx18+fbzH9oVXm/Bd1cdSP2NDXAuCj7LxCWRxyB1JZyZB/6EJZ"
    "TKkkWWiPcWm1yEPnJGxF6QOgdKEVnYStKF1mSofifAF1Whyy0qeVmszB1CpI5jhkRebSkb"
    "kkatOPwMg14LGWojZd1J1uUpsKVtCE8i31pm2OqkWLkil14WEytSkqJrEbMjXmQp93Eqog"
    "9bBAf3ZKXGpROsG3Ege4kXVl6q46Rg1rB8omYsioPDUIMEAjW6hELYalhk36tzh3QtWo4Q"
    "ce+T9S/1JvXtcvrxVd+Cs4nKpcdg9DmjHuoYuEUEICQebw5qnNTMMTetAzogtVJCzaoetM"
    "9L8ufoozWceeTMe1pP7Ud6lvjlFzLA9u9KQYGfehnwT0PAy4RRyXWMybBj66cHCCullsiF"
    "NnSx3nvxYyrqutqHXipwiU/VEpQytl6PErQ81wO9zaRhy2Pzo16MvzbczD59n24fMsbVxs"
    "n9kWz6nAR2iU34v2OXLUEYhKRbrCg4lAfBPGZoS6gDgBEn2UGfe1245y0+zfaDftVu/T9e"
    "8XJFGg8qjgd6XeWW0gfydZj5+zYKwAUIl6z4nD/bGXY4tPgTwm36Gd7faSryu6JJbQj7cY"
    "agsOtJZzTSwAL5ZcLPDBypWi3ChXFyR6Urny222zg0XhA7b60v4sG4mHIuvjxZttNraklL"
    "ayr71Jro+Q8ba0wbzIkZIBvifTwpEZNBfIy6+5SIBWesiyaS5iFqQViTW3DSkBW1H6EChd"
    "zFyYBK5oXWZau/TeuQNyFTHHJyErU/xWpnj6bcqAggXOyzhkpekv9cqq7HZPgsyV3e5JkD"
    "k0IqUKlptMHHG43ahenoit40Fm0zXKrZOtzWnPgY811U6CSqGJ9HbZz0ER7Hs0JaPS5ftd"
    "Y7aw4iVmKvx/+NdUenI26t1G/Uqpfd+dMbrJ752M0Puo6nSTKZrJRlsH8IRxMiGYCGNnGA"
    "pifCMDOG7vLGfG04J2toITgTpQpC2KdGlL/rXbbhGbeT5ab/U/1TCCU4UXqTWcQdqUuiaN"
    "Sv4/cJlnSRdXKIFu4X+aduCxe6rWvusXxLBnGGUvQvpnzB+LwYSDOyUy6AXmnMtk/A/Wwm"
    "ikpVjlHp0a+FYi0EhmTmBjM3tOYCdE07cPlcJ4jnb1KVBua9NxZTAu5yZ6WhmMn1L0TKmk"
    "533Gz4R7XrHwmTjw0Rns95YjonxBS6Wa73vDuxcMFsMrhvuUHir8/xj/PJgMZCz5tvheQl"
    "T43WZ+H5rVvYALylWn/qF3QcSXytu3SuuC4KfKb+vNqwuCnyrvtxrt62ul0WsKw3zsp8q/"
    "tLElfiZllJ9jcN+cROXHpDuUhCq1fhfwDh8qV/qdCwIfKv94eXtB4EPlIBVfEPhQeb0PT/"
    "Ch8l9vf78g8FGEULtOxBIMfMc3Umx4m4SsVahj8hV65DxDvvEtH95DgArlxVGef7JXM/3h"
    "aJdKLW1q5FXnJAArEjyUBFaQ4tW7BQVCuIoAD9ntl9rfdRqgIjhz148DJg2BzPTJf4QSeV"
    "/EqP1tGHChdCaDgNk+494Zvu/vtT2RaAO2EVExm2DE3pzc1H9Lcj6N6/Zl0tiHHVwmvd6p"
    "yxxLA17UzW2lTcJW7kylNtNKalGechJtRecQsqJyqakMDEMBh4sVsIq+ZabvGPqj1kJNH7"
    "gpTH22Ci4d+vjUcS+eb+WdiM2yNTvP1/0TI8RNrWEetCfAKnxvi+9IRZ+dNXejtiYF+vH4"
    "+OdHxcRXLptP4nipXDaPlswlSbXSDvyB8+2Gep4hNrI1H7d4g9NNnm6OaKpNZNscmVe447"
    "MhM0X4L/Edctvu9vC73e9dtvutK+2rcvmp3f6s9TvXmBrFF15jIm6HABYArTa14O+lp1/Z"
    "We/oPBfdXsP48jIX+IfcM6RawvCirNl4EwzzicG5E8CJ54VJUKIaL8pxbcNkEt568mfUXn"
    "rNAUrJ2LjHvNBjQDwsUeuM6IB5Bm3F8tZVPjHcO/naleGic9x7EracE9M22MTDzN5EF8+L"
    "FC7EZjL/tcpndDB2nDv4c0BHMV4Px2TYy6QwYbZqinlcALchrWWibmL4yyw427jirf4PhO"
    "H0mw+PPma5waLKHa9yx3sC7ni+M2VmHgFmAVBmg3RpXDcqb8dHyddizG3HSMFytkFhBeTx"
    "TQk/hzXdi9GgEgaPVkqIWU4lY5Qnp84qyNGoWnZ27ibZzZyLJwW8WkGlXkExwSf3XpkEri"
    "wzZaZ1UrbMQ+okbEXpMlPaNjxfo67rpLi/92CPTqdxHOoYbECbaKr81tvMdi5Iet1ufYya"
    "J3nRB0Y6705rGUU4p+grV4KfszWVYQTx1jG5XjDBuNiJw+lc3kaHN+TNDI8Y3h0V90yfCh"
    "2euIF6QE1UCwIA89MidR/QW3T3tbwuL4r1xYTLZDVwBoBsh488VHNiZK0ZXp79i7z/+mRi"
    "+FBkyUvpokrNo54no270UxzX8n69ZRiaCBceMtsGaMafvSdUqBdtWCWuyqMBhTdgd5SW8r"
    "V+Ld55R+dUXu693ucZ6cpk1UKTKnJZeyqP7tSTIcCMkyul2/zYOpuIKwIJbtGxK/2isHAZ"
    "bKGLcOEsVWQsDJhhWm3HRy9/cSH2H1XMcKWkrJSUlRbtZ6SoHFIMN8qVzzsG9FgxwiuuuO"
    "HJG+6/Z5zOtMWQ9uaZu2+t8R1L88zcLmYsgn3EFLuNT0rjc7vfy4nuBdwFiZ4wc644ti+i"
    "8zvJwvykQL51NiXPIskAP7YLKZ/WTaClOhD2FlS/yHfE/azEXj/EfmofR5c2en/5JAC/o4"
    "I5PGKwFcq3RfkhpZI4QvT/7LQ1JT5j97fRu4UxvgpaHa0/xnh1vcxBXi8jo4DzqdWWMFXU"
    "cPGAgyqNyiGkUTm4LEW1W6V11Wx9zKu3CMFgl5IPQJCv9WYPnhCkd63cKK0eEGi9EIjYvr"
    "m9Vnp4N9DiUeUf6s1rLJLf6TcKfei3ruSVQvIJEyN1es369fXv2rJ2vQxh/9GHXrpavdFr"
    "tlvYRaxA5VfN7m1fDCp6KseWyzwNbytN2XMdx6YGz7BlLKESk2kAYPuaTYuSxzWvXrbb1z"
    "Hz6mUzaT/t31wqnZMXAu/QiPkZ+2yY5kJelUqLZSlZBT4ar69HPu/kXqgN6NBxKWAUbUNp"
    "GXvy7KxpvZWYV6/22EfbY4cGswOYGXlvck3ClXg2lUbyi3A2WYa05UX3CujxYXwvNwklXS"
    "xyID0F9PiQfv769RZIh1aZSBd12UgfwlioO3VZmvS8HfITXRwfEXa/11SRGUXY6YPzQDWd"
    "yRRvIClE6ARs5WtcZkpXCRmOlsw5XJtj/logaqdo3C5DwA+fO9QWqQdSyB46TnVEJ4dL8r"
    "ULm77n8v1euc6VDf0MGSjCZ3QV1o+x+hE6a4R9HeSGmY7WHF7yHfjH12zCAA0B94Xj85q7"
    "/Fqb001+8+IiKBubw+hE+y1d6HXg3HWC75aJKkQf1IJnQMQpoWejM6Lr8pbti7+FjqN/1/"
    "V19/kH9fTjpBSZztw5pZaHSCol8+bel6CS7bo9g38KG3ahLKhJ2OqkLd1JG2edU+25mSpu"
    "8/FtuWUOZy5JPFbIwaSdLwveZsOpsmSitgnGks0J87xA7PuuE4zG4fWH78WZELYYM893XA"
    "yxMnyZHmmA+Y+mjs3MOREzyUuLz9r9C4rfS1hFF1XRRU8guij0YpPrqpgHXAz26Piup5IW"
    "6cgiJyp/tVL6q2Xwlgfio1Zwgj+ir1nWRn0It+AVxe7OnQKACfTSOIxNgaARxPEZ53aPX+"
    "74uaz/Ufvjw+2+8sW7FP6suOJgkGsjTsIdIcb3wWxU1uZM7B+TymwRyplTARCHq3jLXLzl"
    "mqJtjR7rxPjguJSN+Gc6X/MOTTdZreQuOjBCZJmsTtFmNFtorxJzEDAA/5tKX+hGvduoXy"
    "m17z9HhdldCRatpSgyY/Wnm9SZq2GnWyo1MaXTCKg9M+a/eMR0pnOZ00nqHGOpndYVlnmA"
    "MX9UWM6k/cxzAlemkAJ6+eP3i/xMi3ta9KipHh4TOsFTQIBg1vjoPcDdU4Jp1QjgxsYc+i"
    "f0HohNHJe49C9D6pvjZzILPieObVGXyPpFuj2VYx6pMMe8Ax8zl/kUk87PMOk8vqBSpx7s"
    "FnpaqVOrZE3HxG+XLlFByXaWR0rN8dOz0pR76lfZCg4f41W2goPMVhBmJtXMOTYuSLe1Tk"
    "pNuAXBFoSKCFScMLvPJXd4cfIFSNFsRZGXF2T5rPLls7aIv1wvU3mv06xfi/jP6EnlGEj5"
    "BfqT3xia2e1pV30FAzLlE+ZIaDUUEeYZPam837qtNzGxgvhGuH5XhnHidzlWqzyUilhsk5"
    "CVbm1Pdtsqz0g58oxILPtaeBV9IUfdrD4q60OprQ8JstG0LLm5CE9Tc+VWZC8Z2XG3tTVj"
    "M+E3poTJ6qLKD5MjP4xEYjEjbxy0CjQt83qjmMCnAJFX4SoKl5nCcjnKKEZtk6/XFkxvel"
    "cl1qzVGv1ur32jdKBB50uzAQJkskTl1+2v2j/6IHn2gPFd+aHym2a3ixmHPij1Xr+jdC9I"
    "skTl7d4nBRhr8aXyLhC08Um5Wr4vWQICb7utSTH4N5B5lz9kDcjFSqsrpN/YTxRupTArv8"
    "shzMamxJBSC63keTS1mR2UeFaVzP0taUjPp1RIgz6aoLfH1ipUnnFP4UitsnMcLZlLEuj6"
    "lQ7GjnOn3GfcPhirP93kJTaTLTXhArV17GvoayWATomcXHipHl7yx6y0YNYfQKBDWJ3MHP"
    "eOukRccYsX9+GFfTPmj4nDKYGZZIk7+Qyb9G9xBsiAVw8v+dNj1+LqKj8xiA0cKH32HvoR"
    "lWQ2djwqS4mLvl+BT07QoSx8rcWo9YwAw0EGeNvfHeXC+QvG9sFgeNHg2OAW2sDQEc2l8I"
    "egDAagJ25g1uWYkdLOcLi1p9jSnJO80bnyFqu8xZ6At1jIaYotopg/xyro0Xku7cV3LNuT"
    "Ix3Rh+C1USb8To257Rgpczn7RugVkKPA8iaWb1f3Qaf540mJqZCwuwJb2dALS7uH591S6y"
    "gNpfklVJ7lUCNGcJjrWz6hZ1i7oXSle0n0uJ56vPmx1ZauL/KhiNpu945JIfOZQrzsdAEr"
    "IEejH9oZb4PxKBp1XcfNcxTEoY5B4/nYh0FMLMytdEsCV5assuljYoH0CbE5J7VTwCt6l5"
    "neLjUpuy+kZ02AVorWUhN66jom9bxClE7CVku6bJQuiUq9Tl1mjmspyvSw5nSTGt1YtvmR"
    "+jybsA9IC5ymLnsqWuAHMukF9LvZ+rFsBe9hKm8e4XoYXFQ5MBw2P0LsvtjW/WOT98eaA4"
    "7D/dSsIL92260MsWcJkjwtmemT/xCbeYeoBduAXETGZtkzKWYmDj/s4PJnJ0L+/l9HPf8q"
)

"""The demo's customers: names, phone numbers and e-mail addresses that look real.

Drawn by `demo/orders_plan.py`; the addresses are in `demo/addresses.py`.
"""

from __future__ import annotations

# (surname, pinyin, relative frequency): the common surnames, roughly in census order
SURNAMES: tuple[tuple[str, str, int], ...] = (
    ("王", "wang", 72), ("李", "li", 70), ("张", "zhang", 66), ("刘", "liu", 53),
    ("陈", "chen", 45), ("杨", "yang", 33), ("黄", "huang", 24), ("赵", "zhao", 22),
    ("吴", "wu", 21), ("周", "zhou", 21), ("徐", "xu", 16), ("孙", "sun", 15),
    ("马", "ma", 15), ("朱", "zhu", 14), ("胡", "hu", 13), ("郭", "guo", 12),
    ("何", "he", 12), ("林", "lin", 11), ("高", "gao", 11), ("罗", "luo", 10),
    ("郑", "zheng", 10), ("梁", "liang", 9), ("谢", "xie", 8), ("宋", "song", 7),
    ("唐", "tang", 7), ("许", "xu", 7), ("韩", "han", 6), ("冯", "feng", 6),
    ("邓", "deng", 6), ("曹", "cao", 6), ("彭", "peng", 5), ("曾", "zeng", 5),
    ("肖", "xiao", 5), ("田", "tian", 5), ("董", "dong", 4), ("潘", "pan", 4),
    ("袁", "yuan", 4), ("蒋", "jiang", 4), ("蔡", "cai", 4), ("余", "yu", 4),
)  # fmt: skip

# characters of given names, with their pinyin for e-mail addresses
GIVEN_NAME_PARTS: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"),
    ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"), ("玉", "yu"),
    ("兰", "lan"), ("文", "wen"), ("辉", "hui"), ("鹏", "peng"), ("浩", "hao"),
    ("宇", "yu"), ("欣", "xin"), ("怡", "yi"), ("梓", "zi"), ("涵", "han"),
    ("子", "zi"), ("轩", "xuan"), ("雨", "yu"), ("萱", "xuan"), ("思", "si"),
    ("佳", "jia"), ("琪", "qi"), ("晨", "chen"), ("博", "bo"), ("然", "ran"),
    ("嘉", "jia"), ("可", "ke"), ("悦", "yue"), ("诗", "shi"), ("婷", "ting"),
    ("雪", "xue"), ("倩", "qian"), ("晓", "xiao"), ("东", "dong"), ("海", "hai"),
    ("峰", "feng"), ("建", "jian"), ("国", "guo"), ("志", "zhi"), ("俊", "jun"),
    ("凯", "kai"), ("晶", "jing"), ("颖", "ying"), ("慧", "hui"), ("琳", "lin"),
    ("瑶", "yao"), ("一", "yi"), ("诺", "nuo"), ("安", "an"), ("泽", "ze"),
    ("宁", "ning"), ("天", "tian"), ("若", "ruo"), ("彤", "tong"), ("昊", "hao"),
)  # fmt: skip

# China's mobile number prefixes (the phone is 1[3-9] + nine more digits)
PHONE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "180",
    "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip

# reserved documentation domains (RFC 2606): demo notices can never reach a real inbox
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org")

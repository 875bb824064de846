"""The demo marketplace's fixed facts: shops, goods, names, and how customers return things.

Kept apart from the generator so the story can be retuned without touching the code,
and so a reader can check at a glance that prices, flags and reasons are plausible for
a Chinese marketplace. Prices are in fen; flags follow the legal exclusions (R2.2).
Categories are the ones the platform policy knows by name (`KNOWN_CATEGORIES`).
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.kinds import Reason, RequestType

HYGIENE = ItemFlag.HYGIENE_SEALED
PERISHABLE = ItemFlag.PERISHABLE
CUSTOM = ItemFlag.CUSTOM_MADE
MEDIA = ItemFlag.SEALED_MEDIA
PERIODICAL = ItemFlag.PERIODICAL
DIGITAL = ItemFlag.DIGITAL_DOWNLOAD
CONFIRMED = ItemFlag.NON_RETURNABLE_CONFIRMED


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    title: str
    price: int  # fen
    flags: frozenset[ItemFlag] = frozenset()


@dataclass(frozen=True, slots=True)
class Merchant:
    id: str
    name: str
    category: str
    weight: int  # relative share of the marketplace's orders
    products: tuple[Product, ...]


def _p(sku: str, title: str, price: int, *flags: ItemFlag) -> Product:
    return Product(sku, title, price, frozenset(flags))


MERCHANTS: tuple[Merchant, ...] = (
    Merchant(
        "m-babycare",
        "贝乐母婴旗舰店",
        "baby",
        9,
        (
            _p("BC-BTL-240", "宽口径玻璃奶瓶 240ml", 8900, HYGIENE),
            _p("BC-BTL-160", "防胀气PPSU奶瓶 160ml", 12800, HYGIENE),
            _p("BC-NIP-M2", "仿母乳硅胶奶嘴 M号 两只装", 3900, HYGIENE),
            _p("BC-PAC-06", "安抚奶嘴 0-6月", 4500, HYGIENE),
            _p("BC-DIAP-L54", "超薄透气纸尿裤 L码 54片", 13900, HYGIENE),
            _p("BC-WIPE-6", "婴儿手口湿巾 80抽×6包", 4990, HYGIENE),
            _p("BC-FORM-3", "有机婴幼儿配方奶粉 3段 800g", 32800, HYGIENE),
            _p("BC-TEETH-01", "婴儿牙胶摇铃玩具套装", 6900, HYGIENE),
            _p("BC-BIB-3", "婴儿围兜三条装", 3900),
            _p("BC-STER-01", "奶瓶消毒烘干器", 39900),
            _p("BC-WARM-12", "恒温调奶器 1.2L", 25900),
            _p("BC-BATH-01", "婴儿折叠浴盆", 12900),
            _p("BC-CARRY-01", "多功能婴儿背带腰凳", 29900),
        ),
    ),
    Merchant(
        "m-kidsjoy",
        "童趣宝贝生活馆",
        "baby",
        6,
        (
            _p("KJ-STRL-01", "高景观双向婴儿推车", 129900),
            _p("KJ-SEAT-01", "ISOFIX儿童安全座椅 0-12岁", 169900),
            _p("KJ-CRIB-01", "实木多功能婴儿床", 159900),
            _p("KJ-ROMP-66", "纯棉婴儿连体衣 66码 两件装", 8900),
            _p("KJ-ROMP-73", "纯棉婴儿连体衣 73码 两件装", 8900),
            _p("KJ-SLEEP-01", "婴儿防踢睡袋 四季款", 15900),
            _p("KJ-SHOE-125", "宝宝学步鞋 12.5码", 9900),
            _p("KJ-BLOCK-01", "儿童大颗粒积木桌", 19900),
            _p("KJ-CLOTHBK-6", "婴儿早教布书 6册", 4900),
            _p("KJ-MAT-200", "XPE宝宝爬行垫 200×180cm", 16900),
            _p("KJ-MON-01", "可视婴儿监护器", 39900),
            _p("KJ-NAME-01", "定制姓名刻字儿童餐具套装", 12800, CUSTOM),
        ),
    ),
    Merchant(
        "m-geekhub",
        "极客数码专营店",
        "electronics",
        8,
        (
            _p("GH-PHONE-256", "旗舰5G手机 12GB+256GB", 399900),
            _p("GH-PAD-11", "11英寸平板电脑 8GB+128GB", 229900),
            _p("GH-LAPTOP-14", "14英寸轻薄笔记本 16GB+512GB", 549900),
            _p("GH-WATCH-01", "智能手表 运动版", 129900),
            _p("GH-BAND-8", "智能手环8 NFC版", 29900),
            _p("GH-POWER-20K", "20000mAh 快充移动电源", 14900),
            _p("GH-CHG-65W", "65W 氮化镓充电器", 12900),
            _p("GH-CABLE-2M", "双头Type-C快充数据线 2m", 3900),
            _p("GH-SSD-1T", "移动固态硬盘 1TB", 59900),
            _p("GH-TF-128", "高速TF存储卡 128GB（拆封不退）", 8900, CONFIRMED),
            _p("GH-MOUSE-01", "无线静音鼠标", 9900),
            _p("GH-KBD-87", "机械键盘 茶轴 87键", 39900),
            _p("GH-CAM-2K", "家用智能摄像头 2K", 19900),
            _p("GH-OFFICE-FAM", "办公软件家庭版 实体激活卡", 39800, MEDIA),
            _p("GH-GIFT-100", "数码商城电子礼品卡 ¥100", 10000, DIGITAL),
        ),
    ),
    Merchant(
        "m-soundwave",
        "声悦音频旗舰店",
        "electronics",
        6,
        (
            _p("SW-TWS-PRO", "主动降噪真无线蓝牙耳机", 39900),
            _p("SW-TWS-LITE", "半入耳式蓝牙耳机", 19900),
            _p("SW-HP-ANC", "头戴式降噪耳机", 129900),
            _p("SW-SPK-GO", "便携防水蓝牙音箱", 29900),
            _p("SW-SPK-HOME", "带屏智能音箱", 49900),
            _p("SW-BAR-01", "家庭影院回音壁", 199900),
            _p("SW-MIC-01", "直播电容麦克风套装", 45900),
            _p("SW-EAR-TC", "Type-C 有线耳机", 9900),
            _p("SW-TIPS-3", "耳机替换硅胶耳塞套 3对", 2900, HYGIENE),
            _p("SW-IEM-CUS", "定制耳模入耳式监听耳机", 259900, CUSTOM),
        ),
    ),
    Merchant(
        "m-bloom",
        "花颜美妆旗舰店",
        "cosmetics",
        9,
        (
            _p("BL-CREAM-50", "玻尿酸保湿面霜 50g", 26800, HYGIENE),
            _p("BL-SERUM-30", "烟酰胺精华液 30ml", 32900, HYGIENE),
            _p("BL-TONER-200", "补水爽肤水 200ml", 15900, HYGIENE),
            _p("BL-CLEAN-120", "氨基酸洁面乳 120g", 8900, HYGIENE),
            _p("BL-SUN-50", "清爽防晒霜 SPF50+ 50ml", 12900, HYGIENE),
            _p("BL-MASK-10", "修护面膜 10片装", 9900, HYGIENE),
            _p("BL-LIP-03", "丝绒哑光口红 #03", 16900, HYGIENE),
            _p("BL-FDN-30", "持妆粉底液 30ml", 25900, HYGIENE),
            _p("BL-EYE-12", "十二色眼影盘", 19800, HYGIENE),
            _p("BL-EYECRM-15", "抗皱紧致眼霜 15g", 29800, HYGIENE),
            _p("BL-GIFTSET-3", "护肤礼盒套装 3件套", 59900, HYGIENE),
            _p("BL-PERF-50", "花果香淡香水 50ml", 45900, HYGIENE),
            _p("BL-BRUSH-8", "化妆刷套装 8支", 8900),
            _p("BL-LIP-ENGR", "定制刻字口红礼盒", 25900, CUSTOM, HYGIENE),
        ),
    ),
    Merchant(
        "m-freshfarm",
        "鲜丰果园生鲜馆",
        "fresh_food",
        7,
        (
            _p("FF-CHERRY-25", "智利车厘子 JJ级 2.5kg 礼盒", 15900, PERISHABLE),
            _p("FF-DURIAN-3", "泰国金枕头榴莲 3-4kg", 19900, PERISHABLE),
            _p("FF-MANGO-5", "海南贵妃芒 5斤装", 5990, PERISHABLE),
            _p("FF-KIWI-12", "阳光金果奇异果 12粒", 13900, PERISHABLE),
            _p("FF-BLUE-4", "蓝莓 125g×4盒", 6990, PERISHABLE),
            _p("FF-CRAB-6", "阳澄湖大闸蟹 6只装", 29900, PERISHABLE),
            _p("FF-SHRIMP-18", "厄瓜多尔白虾 1.8kg", 13900, PERISHABLE),
            _p("FF-SALMON-500", "冰鲜三文鱼刺身 500g", 16800, PERISHABLE),
            _p("FF-STEAK-1K", "原切西冷牛排 1kg", 19800, PERISHABLE),
            _p("FF-EGG-30", "散养土鸡蛋 30枚", 4980, PERISHABLE),
            _p("FF-MILK-2", "巴氏杀菌鲜牛奶 950ml×2瓶", 3580, PERISHABLE),
            _p("FF-VEG-5", "有机时令蔬菜组合 5斤", 6900, PERISHABLE),
        ),
    ),
    Merchant(
        "m-urbanchic",
        "都市衣橱女装店",
        "apparel",
        12,
        (
            _p("UC-DRESS-M", "法式碎花连衣裙 M码", 32900),
            _p("UC-DRESS-L", "法式碎花连衣裙 L码", 32900),
            _p("UC-SILK-S", "真丝衬衫 S码", 45900),
            _p("UC-JACKET-M", "小香风短外套 M码", 59900),
            _p("UC-CARDI-F", "羊毛针织开衫 均码", 39900),
            _p("UC-JEANS-27", "高腰直筒牛仔裤 27码", 25900),
            _p("UC-JEANS-28", "高腰直筒牛仔裤 28码", 25900),
            _p("UC-SKIRT-M", "百褶半身裙 M码", 19900),
            _p("UC-COAT-M", "双面羊绒大衣 M码", 169900),
            _p("UC-TEE-M", "纯棉圆领T恤 M码", 8900),
            _p("UC-SCARF-01", "羊绒围巾", 29900),
            _p("UC-BRA-M", "无痕内衣套装 M码", 12900, HYGIENE),
            _p("UC-TEE-PRINT", "定制印花T恤", 12900, CUSTOM),
            _p("UC-CLEAR-M", "清仓特价针织衫 M码（不退不换）", 4900, CONFIRMED),
        ),
    ),
    Merchant(
        "m-stride",
        "步履运动服饰旗舰店",
        "apparel",
        10,
        (
            _p("ST-RUN-42", "缓震跑步鞋 42码", 59900),
            _p("ST-RUN-40", "缓震跑步鞋 40码", 59900),
            _p("ST-RUNW-38", "女款缓震跑步鞋 38码", 55900),
            _p("ST-HOODIE-L", "加绒连帽卫衣 L码", 29900),
            _p("ST-HOODIE-XL", "加绒连帽卫衣 XL码", 29900),
            _p("ST-PANTS-L", "速干运动长裤 L码", 19900),
            _p("ST-DOWN-L", "轻薄羽绒服 L码", 69900),
            _p("ST-YOGA-M", "女款高腰瑜伽裤 M码", 16900),
            _p("ST-SOCKS-5", "运动中筒袜 5双装", 4900, HYGIENE),
            _p("ST-CAP-01", "速干棒球帽", 9900),
            _p("ST-BAG-25", "双肩运动背包 25L", 22900),
            _p("ST-JERSEY-CUS", "定制球衣（印名字号码）", 19900, CUSTOM),
        ),
    ),
    Merchant(
        "m-inkwell",
        "墨香书屋",
        "books_media",
        7,
        (
            _p("IW-BK-3BODY", "《三体》全集 典藏版", 9300),
            _p("IW-BK-HUOZHE", "《活着》余华", 3500),
            _p("IW-BK-SAPIENS", "《人类简史》", 6800),
            _p("IW-BK-100YRS", "《百年孤独》精装", 5500),
            _p("IW-BK-PICTURE", "儿童绘本套装 10册", 15800),
            _p("IW-BK-PYTHON", "《Python编程：从入门到实践》第3版", 8900),
            _p("IW-BK-GEO", "《中国国家地理》年度合集", 19800),
            _p("IW-LP-SYMPH", "经典交响乐 黑胶唱片", 26800, MEDIA),
            _p("IW-CD-HITS", "华语金曲 CD 3碟装", 6800, MEDIA),
            _p("IW-BD-AERIAL", "纪录片《航拍中国》蓝光碟", 12800, MEDIA),
            _p("IW-MAG-DUZHE", "《读者》杂志 当期", 800, PERIODICAL),
            _p("IW-MAG-SANLIAN", "《三联生活周刊》当期", 1500, PERIODICAL),
            _p("IW-MAG-BAZAAR", "《时尚芭莎》当月刊", 3000, PERIODICAL),
            _p("IW-EBOOK-MING", "电子书《明朝那些事儿》全集", 3990, DIGITAL),
            _p("IW-AUDIO-VIP", "有声书会员年卡 兑换码", 16800, DIGITAL),
        ),
    ),
    Merchant(
        "m-cozyhome",
        "暖居家居生活馆",
        "home",
        8,
        (
            _p("CH-PILLOW-01", "泰国乳胶枕 护颈款", 19900),
            _p("CH-DUVET-95", "95白鹅绒羽绒被 200×230cm", 129900),
            _p("CH-BEDSET-18", "纯棉四件套 1.8m床", 39900),
            _p("CH-TOWEL-3", "长绒棉毛巾 3条装", 6900),
            _p("CH-LAMP-LED", "LED护眼台灯", 22900),
            _p("CH-RUG-160", "北欧客厅地毯 160×230cm", 45900),
            _p("CH-BOX-3", "大号收纳箱 3只装", 8900),
            _p("CH-SOFA-01", "布艺懒人沙发", 69900),
            _p("CH-HUMID-4L", "智能加湿器 4L", 29900),
            _p("CH-ROBOT-01", "激光导航扫地机器人", 199900),
            _p("CH-RACK-01", "实木衣帽架", 15900),
            _p("CH-CURTAIN-CUS", "全遮光窗帘（定制尺寸）", 49900, CUSTOM),
            _p("CH-FRAME-CUS", "定制照片墙相框组合", 26900, CUSTOM),
        ),
    ),
    Merchant(
        "m-kitchenpro",
        "厨艺家厨具专营店",
        "home",
        6,
        (
            _p("KP-WOK-28", "麦饭石不粘炒锅 28cm", 19900),
            _p("KP-KNIFE-5", "德式不锈钢刀具 5件套", 39900),
            _p("KP-RICE-4L", "IH电饭煲 4L", 59900),
            _p("KP-AIRFRY-5L", "无油空气炸锅 5L", 39900),
            _p("KP-KETTLE-17", "电热水壶 1.7L", 12900),
            _p("KP-BLEND-01", "破壁料理机", 69900),
            _p("KP-FLASK-500", "不锈钢保温杯 500ml", 15900),
            _p("KP-BOWL-10", "釉下彩陶瓷碗碟 10件套", 16900),
            _p("KP-BOARD-2", "竹制砧板 两件套", 7900),
            _p("KP-OVEN-32", "家用电烤箱 32L", 49900),
            _p("KP-COFFEE-01", "全自动意式咖啡机", 299900),
            _p("KP-LUNCH-3", "玻璃保鲜饭盒 3件套", 5900),
        ),
    ),
    Merchant(
        "m-snacklab",
        "零食研究所",
        "food",
        8,
        (
            _p("SL-NUTS-30", "每日坚果 30袋 750g", 12900),
            _p("SL-BEEF-500", "手撕风干牛肉干 500g", 8900),
            _p("SL-CHOC-70", "70%黑巧克力礼盒", 16800),
            _p("SL-TEA-250", "明前龙井 250g 礼盒", 39800),
            _p("SL-DRIP-30", "挂耳咖啡 30包", 6900),
            _p("SL-LUOSI-5", "柳州螺蛳粉 5袋装", 4990),
            _p("SL-COOKIE-908", "黄油曲奇礼罐 908g", 8800),
            _p("SL-MOON-8", "流心奶黄月饼 8枚礼盒", 19800),
            _p("SL-HONEY-500", "野生土蜂蜜 500g", 6800),
            _p("SL-RICE-5K", "五常稻花香大米 5kg", 8990),
            _p("SL-OIL-5L", "压榨一级花生油 5L", 11900),
            _p("SL-CAKE-6", "鲜奶油蛋糕 6寸（冷链配送）", 16800, PERISHABLE),
            _p("SL-YOGURT-12", "低温风味酸奶 12杯", 5990, PERISHABLE),
        ),
    ),
)


# (month, day) of the sales festivals: orders surge on the day, returns follow a week later
FESTIVALS: tuple[tuple[int, int], ...] = ((3, 8), (6, 18), (11, 11), (12, 12))


# --- customers ---------------------------------------------------------------------

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


# --- how customers of each category return things ----------------------------------


@dataclass(frozen=True, slots=True)
class Scenario:
    """One kind of after-sales request, with the words customers use for it."""

    weight: int
    request_type: RequestType
    reason: Reason
    texts: tuple[str, ...]


R = RequestType
Why = Reason

# Share of delivered orders that see a request (serial returners return far more).
RETURN_RATES: dict[str, float] = {
    "apparel": 0.25,
    "electronics": 0.11,
    "baby": 0.10,
    "home": 0.09,
    "cosmetics": 0.07,
    "books_media": 0.05,
    "food": 0.04,
    "fresh_food": 0.05,
}

SCENARIOS: dict[str, tuple[Scenario, ...]] = {
    "apparel": (
        Scenario(
            40,
            R.REFUND,
            Why.NO_REASON,
            (
                "尺码偏小，穿着太紧",
                "尺码偏大",
                "上身效果不好",
                "颜色和图片有差异，不喜欢",
                "买多了，不需要了",
            ),
        ),
        Scenario(20, R.EXCHANGE, Why.NO_REASON, ("换大一码", "换小一码", "想换个颜色")),
        Scenario(10, R.REFUND, Why.QUALITY, ("衣服开线", "洗一次就起球", "拉链坏了", "有明显污渍")),
        Scenario(8, R.EXCHANGE, Why.QUALITY, ("袖口开线，换一件新的", "纽扣脱落")),
        Scenario(
            10,
            R.REFUND,
            Why.NOT_AS_DESCRIBED,
            ("色差严重", "面料和描述不符，不是纯棉", "实物比图片薄很多"),
        ),
        Scenario(6, R.EXCHANGE, Why.WRONG_ITEM, ("发错尺码了，下单M码收到L码", "颜色发错了")),
        Scenario(
            3,
            R.REFUND_ONLY,
            Why.NOT_AS_DESCRIBED,
            ("吊牌价格与页面不符", "衣服有轻微瑕疵，协商部分退款不退货"),
        ),
    ),
    "electronics": (
        Scenario(
            25,
            R.REFUND,
            Why.QUALITY,
            ("无法开机", "充不进电", "蓝牙频繁断连", "屏幕有坏点", "一只耳机没声音"),
        ),
        Scenario(
            14, R.EXCHANGE, Why.QUALITY, ("右耳有电流声，换新", "开机黑屏，要求换新", "按键失灵")
        ),
        Scenario(
            12,
            R.REPAIR,
            Why.QUALITY,
            ("使用一段时间后无法充电", "屏幕闪烁", "电池续航明显下降", "摄像头无法对焦"),
        ),
        Scenario(22, R.REFUND, Why.NO_REASON, ("买重复了", "不太适合我，未激活", "比较后不想要了")),
        Scenario(
            10,
            R.REISSUE,
            Why.MISSING_PARTS,
            ("包装里缺少充电线", "少了一只耳塞套", "缺少说明书和保修卡"),
        ),
        Scenario(
            8, R.REFUND, Why.NOT_AS_DESCRIBED, ("实际容量与宣传不符", "不支持页面写的快充协议")
        ),
        Scenario(6, R.REFUND, Why.DAMAGED_IN_TRANSIT, ("外包装压坏，机身有划痕", "收到时屏幕已碎")),
        Scenario(3, R.EXCHANGE, Why.WRONG_ITEM, ("发错颜色", "发成了旧款")),
    ),
    "baby": (
        Scenario(
            25, R.REFUND, Why.QUALITY, ("奶瓶有裂纹", "奶嘴漏奶", "产品有异味", "推车轮子异响")
        ),
        Scenario(
            20,
            R.REFUND,
            Why.NOT_AS_DESCRIBED,
            ("不是描述的有机配方", "尺寸和页面标注不一致", "材质不是食品级硅胶"),
        ),
        Scenario(30, R.REFUND, Why.NO_REASON, ("宝宝不喜欢用", "买多了", "尺码买错了")),
        Scenario(8, R.EXCHANGE, Why.NO_REASON, ("换大一码", "换个颜色")),
        Scenario(7, R.EXCHANGE, Why.WRONG_ITEM, ("发错段数了，要3段收到2段", "发错尺码")),
        Scenario(10, R.REISSUE, Why.MISSING_PARTS, ("少了一个奶嘴", "缺少安装螺丝", "少一包湿巾")),
    ),
    "cosmetics": (
        Scenario(35, R.REFUND, Why.NO_REASON, ("买错色号了", "不适合我的肤质", "重复购买了")),
        Scenario(
            22, R.REFUND, Why.QUALITY, ("使用后皮肤过敏发红", "膏体变质有异味", "按压泵头坏了")
        ),
        Scenario(
            15, R.REFUND, Why.NOT_AS_DESCRIBED, ("色号与图片严重不符", "生产日期与页面描述不符")
        ),
        Scenario(
            18, R.REFUND, Why.DAMAGED_IN_TRANSIT, ("收到时瓶子漏液", "玻璃瓶碎了", "眼影盘碎了")
        ),
        Scenario(10, R.EXCHANGE, Why.WRONG_ITEM, ("发错色号", "发成小样了")),
    ),
    "fresh_food": (
        Scenario(
            42,
            R.REFUND_ONLY,
            Why.DAMAGED_IN_TRANSIT,
            ("到货时已压坏", "冰袋融化，海鲜已变质", "包装破损，汁水漏出"),
        ),
        Scenario(
            38,
            R.REFUND_ONLY,
            Why.QUALITY,
            ("有几个已经腐烂", "果子发霉", "螃蟹到货已死", "牛排有异味"),
        ),
        Scenario(8, R.REFUND_ONLY, Why.MISSING_PARTS, ("少发了一盒", "重量不足，称重少了半斤")),
        Scenario(6, R.REFUND, Why.WRONG_ITEM, ("发错品种了", "规格发错，要大果收到小果")),
        Scenario(6, R.REFUND, Why.NO_REASON, ("不想要了", "买多了")),
    ),
    "books_media": (
        Scenario(30, R.REFUND, Why.DAMAGED_IN_TRANSIT, ("书角压坏", "外封皮破损", "唱片封套折痕")),
        Scenario(30, R.REFUND, Why.NO_REASON, ("买重复了", "内容不是想要的", "已经有这本了")),
        Scenario(12, R.EXCHANGE, Why.QUALITY, ("印刷缺页", "装订错乱，有倒页", "光盘读不出来")),
        Scenario(15, R.EXCHANGE, Why.WRONG_ITEM, ("发错书了", "发成平装版了")),
        Scenario(8, R.REISSUE, Why.MISSING_PARTS, ("套装少了一册", "缺少附赠的书签和海报")),
        Scenario(5, R.REFUND_ONLY, Why.QUALITY, ("杂志有污损，不值得寄回", "书页受潮发黄")),
    ),
    "home": (
        Scenario(30, R.REFUND, Why.NO_REASON, ("尺寸不合适", "颜色和家里不搭", "买多了")),
        Scenario(22, R.REFUND, Why.QUALITY, ("通电后不工作", "锅底涂层脱落", "有异响", "漏水")),
        Scenario(
            18, R.REFUND, Why.DAMAGED_IN_TRANSIT, ("碗碟碎了两个", "外壳磕碰变形", "玻璃面板碎裂")
        ),
        Scenario(
            10, R.REPAIR, Why.QUALITY, ("用了一个月突然不加热", "扫地机器人无法回充", "电机不转")
        ),
        Scenario(
            10, R.REISSUE, Why.MISSING_PARTS, ("缺少安装螺丝", "少了一个配件", "缺少电源适配器")
        ),
        Scenario(6, R.EXCHANGE, Why.NOT_AS_DESCRIBED, ("实物颜色与图片差异大", "尺寸比描述小")),
        Scenario(4, R.EXCHANGE, Why.WRONG_ITEM, ("发错颜色", "发错型号")),
    ),
    "food": (
        Scenario(22, R.REFUND, Why.NO_REASON, ("不想要了，未拆封", "买多了")),
        Scenario(
            28,
            R.REFUND,
            Why.QUALITY,
            ("包装胀袋", "里面有异物", "口感发苦，疑似变质", "临近保质期"),
        ),
        Scenario(25, R.REFUND, Why.DAMAGED_IN_TRANSIT, ("礼盒压坏", "罐子摔破了", "油桶漏油")),
        Scenario(
            15, R.REFUND_ONLY, Why.QUALITY, ("蛋糕奶油化了", "酸奶到货已胀包", "个别小包装漏气")
        ),
        Scenario(10, R.EXCHANGE, Why.WRONG_ITEM, ("发错口味了", "规格发错")),
    ),
}

# Orders whose parcel never arrived (lost, or stopped in transit at the customer's wish).
NOT_DELIVERED = Scenario(
    1,
    R.REFUND_ONLY,
    Why.NOT_DELIVERED,
    ("物流信息多日未更新", "快递显示已丢件", "发货太慢，已申请拦截", "快递退回了，一直没收到"),
)

# Delivered, says the carrier; not received, says the customer: a person checks (R4.4).
DISPUTED_DELIVERY = Scenario(
    1,
    R.REFUND_ONLY,
    Why.NOT_DELIVERED,
    ("快递显示已签收，但本人没有收到", "快递柜取件时包裹不见了", "驿站说已签收，家人都没收到"),
)

# Orders holding only codes and downloads: nothing to ship back, only money to ask for.
DIGITAL_ONLY = Scenario(
    1,
    R.REFUND_ONLY,
    Why.QUALITY,
    ("兑换码提示已被使用，无法兑换", "下载链接失效", "激活码无效"),
)


# --- what staff write --------------------------------------------------------------

AGENTS = ("agent:li.na", "agent:zhang.min", "agent:chen.jie", "agent:wang.fang", "agent:zhao.yu")
WAREHOUSE_STAFF = ("warehouse:zhang.wei", "warehouse:sun.hao", "warehouse:zhou.qiang")
FINANCE_STAFF = ("finance:liu.yang", "finance:he.jing")

# (carrier, waybill prefix, digits after the prefix, relative share)
CARRIERS: tuple[tuple[str, str, int, int], ...] = (
    ("顺丰速运", "SF", 13, 35),
    ("中通快递", "7", 13, 25),
    ("圆通速递", "YT", 13, 20),
    ("京东物流", "JDVA", 11, 20),
)

APPROVAL_NOTES = ("", "审核通过", "照片已核实，同意处理", "已电话联系买家核实，同意处理")

# How often an agent approves what the automated review referred, by the referring rule.
APPROVAL_ODDS: dict[str, float] = {
    "value_above_auto_limit": 0.92,
    "refund_only_review": 0.8,
    "fault_window_passed": 0.6,
    "evidence_missing": 0.55,
    "delivery_disputed": 0.3,
}

# What the customer reads when an agent refuses; the first rule that applies speaks.
REJECTION_NOTES: tuple[tuple[str, str], ...] = (
    ("evidence_missing", "未上传商品照片，无法核实问题。请补充清晰照片后重新提交申请。"),
    ("fault_window_passed", "已超过质量问题退换期限，建议联系商家申请保修服务。"),
    ("refund_only_review", "该商品需寄回验收后方可退款，请改为申请退货退款。"),
    ("value_above_auto_limit", "经核实商品已激活使用，不符合退货条件。"),
    ("delivery_disputed", "物流签收记录完整，如有疑问请联系快递公司核实。"),
)
DEFAULT_REJECTION = "经核实不符合平台退换货规则，如有疑问请联系客服。"

CANCEL_NOTES = (
    "已与商家协商解决，撤销申请",
    "不想退了",
    "商品问题已自行解决",
    "重复申请，撤销这一单",
)

RECEIVE_NOTES = ("", "", "包裹完好", "外包装轻微破损，内件完好", "已扫描运单入库")

# what the inspector writes when the goods pass, by the customer's reason (R5.2)
INSPECTION_PASS_NOTES: dict[Reason, tuple[str, ...]] = {
    Why.NO_REASON: ("外观完好，配件齐全，可二次销售", "吊牌完好，无穿着痕迹", "包装完整，未使用"),
    Why.DAMAGED_IN_TRANSIT: ("确认运输损坏，责任方为承运商", "外箱挤压变形，运输破损属实"),
    Why.WRONG_ITEM: ("核对确为错发，责任方为商家",),
}
FAULT_PASS_NOTES = (
    "确认存在质量问题，责任方为商家",
    "问题属实，同意处理",
    "检测确认故障，责任方为商家",
)

INSPECTION_FAILURES: dict[str, tuple[str, ...]] = {
    "apparel": ("吊牌已剪，衣物有明显穿着痕迹，不符合退货条件", "衣物有香水味和污渍，影响二次销售"),
    "electronics": ("机身有明显磕碰，属人为损坏，不在保修范围", "序列号与出库记录不符"),
    "baby": ("奶瓶已使用，影响二次销售", "商品缺少原包装及配件"),
    "cosmetics": ("商品已开封使用，不符合退货条件", "退回商品批号与出库记录不符"),
    "home": ("商品有明显使用痕迹，缺少原包装", "经检测功能正常，未发现质量问题"),
}
DEFAULT_INSPECTION_FAILURES = ("退回商品缺少原包装及配件", "经检测商品完好，未发现所述问题")
# what the warehouse finds in parcels from customers who return far too often (R10.3)
ABUSE_FINDINGS = (
    "退回包裹为空箱，已拍照留证",
    "退回商品与订单商品不符，疑似调包",
    "退回商品已严重使用",
)

REPAIR_NOTES = (
    "已更换电池，检测正常",
    "已更换主板，整机测试通过",
    "已更换充电模块",
    "已清洁校准，功能恢复",
)

"""The demo marketplace's shops and goods, and the days its orders surge.

The demo's fixed facts are kept apart from the generator so the story can be retuned
without touching the code, and so a reader can check at a glance that they are
plausible for a Chinese marketplace: shops and goods here, customers' names in
`catalog_people.py`, how each category's customers return things in
`catalog_scenarios.py`, and what staff write in `catalog_staff.py`. Prices are in fen;
flags follow the legal exclusions (R2.2). Categories are the ones the platform policy
knows by name (`KNOWN_CATEGORIES`).
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.catalog import ItemFlag

HYGIENE = ItemFlag.HYGIENE_SEALED
PERISHABLE = ItemFlag.PERISHABLE
CUSTOM = ItemFlag.CUSTOM_MADE
MEDIA = ItemFlag.SEALED_MEDIA
PERIODICAL = ItemFlag.PERIODICAL
DIGITAL = ItemFlag.DIGITAL_DOWNLOAD
CONFIRMED = ItemFlag.NON_RETURNABLE_CONFIRMED


# issue 16: the demo order system names its products' pictures here; nothing is ever
# fetched from it (a reserved name): the demo stores its own tiles as the server's copies
# (demo/product_tiles.py), so the portal shows pictures without any network
IMAGE_HOST = "https://img.demo-shop.example/products/"


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    title: str
    price: int  # fen
    flags: frozenset[ItemFlag] = frozenset()

    @property
    def image_url(self) -> str:
        return f"{IMAGE_HOST}{self.sku.lower()}.png"


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

"""Plausible delivery addresses for demo orders, one per customer.

Drawn from a generator seeded by the customer's id rather than the demo's main stream,
so adding addresses changed none of the other generated data.
"""

from __future__ import annotations

import random

from returnflow.domain.orders import Address, Customer

# province, city, districts
PLACES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("上海市", "上海市", ("浦东新区", "徐汇区", "静安区", "闵行区", "杨浦区")),
    ("北京市", "北京市", ("朝阳区", "海淀区", "丰台区", "东城区", "通州区")),
    ("广东省", "广州市", ("天河区", "越秀区", "海珠区", "番禺区")),
    ("广东省", "深圳市", ("南山区", "福田区", "宝安区", "龙岗区")),
    ("浙江省", "杭州市", ("西湖区", "余杭区", "拱墅区", "滨江区")),
    ("江苏省", "南京市", ("鼓楼区", "玄武区", "江宁区")),
    ("江苏省", "苏州市", ("姑苏区", "工业园区", "吴中区")),
    ("四川省", "成都市", ("武侯区", "锦江区", "高新区", "青羊区")),
    ("湖北省", "武汉市", ("洪山区", "江汉区", "武昌区")),
    ("陕西省", "西安市", ("雁塔区", "碑林区", "未央区")),
)
STREETS = ("人民路", "解放路", "中山路", "建设路", "长江路", "文化路", "新华路", "学府路")
ESTATES = ("阳光花园", "锦绣苑", "翠湖小区", "金色家园", "和平里", "望江公寓", "东方名城")


def address_for(customer: Customer) -> Address:
    rng = random.Random(f"ship-to:{customer.id}")
    province, city, districts = rng.choice(PLACES)
    detail = (
        f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.choice(ESTATES)}"
        f"{rng.randint(1, 30)}栋{rng.randint(1, 3)}单元{rng.randint(101, 2804)}室"
    )
    return Address(customer.name, customer.phone, province, city, rng.choice(districts), detail)

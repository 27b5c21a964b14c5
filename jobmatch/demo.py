"""The demo county: 横峰县 with its people, workshops, openings and 18 months of history.

`flask demo load` fills a database with a plausible hill county in Jiangxi
(SPEC §1): 12 townships, 180 villages, 3,000 households, about 5,000 laborers,
36 assistance workshops, about 300 employers with their openings, public-welfare
posts, and a history of referrals and employments whose outcomes follow what a
ranker should learn (skills, distance, flexible hours, strength).

Everything is built in memory first (`plan`), then written in one transaction,
a batch per table (`load`). The same seed on the same day gives the same county;
a second load finds the county and changes nothing.
"""

from __future__ import annotations

import math
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import click
import sqlalchemy as sa
from faker import Faker
from stdnum.cn import ric, uscc

from jobmatch import text
from jobmatch.accounts import audit
from jobmatch.errors import Collector
from jobmatch.extensions import db
from jobmatch.geo import haversine_km
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.people.service import parse_id_number
from jobmatch.placements import lifecycle
from jobmatch.placements.models import Employment, Referral, ReferralEvent
from jobmatch.posts.models import Employer, Opening
from jobmatch.vocab import (
    MONITORED_CATEGORIES,
    CertificationStatus,
    EmployerKind,
    EmploymentKind,
    EmploymentStatus,
    HouseholdCategory,
    LaborCapacity,
    OpeningKind,
    OpeningStatus,
    OutcomeReason,
    PhysicalIntensity,
    ReferralState,
    RegionLevel,
    RiskLevel,
    Sex,
    WageMode,
    WageUnit,
    Willingness,
    WorkingPattern,
)
from workshops.models import Workshop

# --- sizes --------------------------------------------------------------------

VILLAGES_PER_TOWNSHIP = 15
HOUSEHOLDS = 3000
# Working-age members registered per household: 1, 2 or 3 (about 1.7 on average → ~5,000 laborers).
MEMBERS_WEIGHTS = {1: 45, 2: 40, 3: 15}
WORKSHOPS = 36
WORKSHOPS_APPLIED = 4  # waiting for certification
WORKSHOPS_SUSPENDED = 2  # stopped work some months ago; their people left with employer_closed
ENTERPRISES = 240
REMOTE_ENTERPRISE_SHARE = 0.45  # share of enterprises whose sites lie outside the county
COOPERATIVES = 35
VILLAGE_COLLECTIVES = 25
ENTERPRISE_OPENINGS = 900  # posted by enterprises and cooperatives
PUBLIC_WELFARE_POSTS = 350
REFERRALS = 3500
HISTORY_DAYS = 540  # the referral history covers the past 18 months
EMPLOYED_SHARE_OF_WILLING = 0.5  # about half of those willing to work are in work
RETURNEE_SHARE = 0.08  # of those willing to leave the county: came back from migrant work
RELOCATED_HOUSEHOLD_SHARE = 0.03  # 易地搬迁 households living in resettlement sites

# --- geography ----------------------------------------------------------------

COUNTY_CODE = "361125000000"
COUNTY_NAME = "横峰县"
COUNTY_SEAT = (28.41, 117.60)  # 岑阳镇, the county seat
TOWNSHIP_RADIUS_KM = 25.0
VILLAGE_RADIUS_KM = 4.5  # villages lie within ~5 km of their township's seat

# name, latitude, longitude: real Hengfeng townships, plus 兴安街道 and an invented 石塘乡.
TOWNSHIPS: list[tuple[str, float, float]] = [
    ("岑阳镇", 28.412, 117.602),
    ("葛源镇", 28.575, 117.720),
    ("兴安街道", 28.398, 117.578),
    ("姚家乡", 28.330, 117.532),
    ("莲荷乡", 28.455, 117.548),
    ("司铺乡", 28.352, 117.655),
    ("港边乡", 28.378, 117.498),
    ("龙门畈乡", 28.482, 117.640),
    ("青板乡", 28.298, 117.618),
    ("新篁乡", 28.520, 117.685),
    ("上坑源乡", 28.548, 117.598),
    ("石塘乡", 28.440, 117.702),
]

# Village names are a place word and a landform, as most Jiangxi village names are (王家村, 石桥村).
VILLAGE_HEADS = (
    "上 下 东 西 南 北 新 老 石 王 李 黄 张 杨 余 吴 汪 徐 程 龙 "
    "马 枫 竹 桃 莲 柏 茶 高 大 金 双 丰 周 邓 陈 罗 姚 叶 童"
).split()
VILLAGE_TAILS = "坑 源 岭 坂 塘 湾 畈 田 桥 家 溪 山 冲 口 洲 港 埠 铺 墩 垅 坪 园 圩 岗".split()

# Resettlement sites near the county seat (易地扶贫搬迁安置点): name, latitude, longitude.
RELOCATION_SITES: list[tuple[str, float, float]] = [
    ("城东安置小区", 28.418, 117.614),
    ("兴安幸福家园", 28.401, 117.586),
    ("岑阳移民新村", 28.426, 117.596),
]


class Site(NamedTuple):
    """A place outside the county where employers recruit, with the city name their companies carry."""

    name: str
    short: str
    latitude: float
    longitude: float
    area: str  # division code, for the employers' credit codes
    in_province: bool
    industries: tuple[str, ...]


REMOTE_SITES: list[Site] = [
    Site("浙江省宁波市", "宁波", 29.868, 121.544, "330200", False, ("电器", "服装", "机械")),
    Site("浙江省义乌市", "义乌", 29.306, 120.075, "330782", False, ("箱包", "饰品")),
    Site("浙江省温州市", "温州", 27.994, 120.699, "330300", False, ("鞋业", "机械")),
    Site("广东省东莞市", "东莞", 23.021, 113.752, "441900", False, ("电子", "鞋业", "家具")),
    Site("广东省深圳市", "深圳", 22.543, 114.058, "440300", False, ("电子", "物流")),
    Site("福建省晋江市", "晋江", 24.781, 118.552, "350582", False, ("鞋业", "服装")),
    Site("江苏省苏州市", "苏州", 31.299, 120.585, "320500", False, ("电子", "机械")),
    Site("上海市松江区", "上海", 31.032, 121.228, "310117", False, ("电子", "物流")),
    Site("江西省上饶市经开区", "上饶", 28.455, 117.975, "361102", True, ("电子", "汽车配件", "光伏")),
    Site("江西省鹰潭市", "鹰潭", 28.260, 117.069, "360600", True, ("铜材加工", "机械")),
    Site("江西省南昌市", "南昌", 28.682, 115.858, "360100", True, ("电子", "物流", "餐饮")),
]

# --- people -------------------------------------------------------------------

# Mobile prefixes in use on the mainland (11 digits, 13–19).
MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 176 177 178 180 181 182 183 185 186 187 188 189 191 198 199"
).split()

HOUSEHOLD_CATEGORY_WEIGHTS = {
    HouseholdCategory.out_of_poverty: 70,
    HouseholdCategory.unstable: 8,
    HouseholdCategory.marginal: 10,
    HouseholdCategory.sudden_hardship: 4,
    HouseholdCategory.other: 8,
}
# Households under monitoring are graded mostly high or medium risk; the others mostly low.
RISK_WEIGHTS_MONITORED = {RiskLevel.high: 30, RiskLevel.medium: 50, RiskLevel.low: 20}
RISK_WEIGHTS_OTHER = {RiskLevel.high: 2, RiskLevel.medium: 13, RiskLevel.low: 85}

HEALTH_NOTES = (
    "腰椎间盘突出，不能久站",
    "高血压，需按时服药",
    "左腿旧伤，行走不便",
    "轻度听力障碍",
    "慢性支气管炎，不宜粉尘环境",
    "视力较差，不宜精细活",
    "心脏支架术后，不宜重体力劳动",
    "糖尿病，需定时用餐",
)


class Trade(NamedTuple):
    """A skill as a trade: who mostly has it, how common it is, how cadres write it, how openings ask for it."""

    lean: str  # "m" or "f": mostly men or mostly women; "" for both
    weight: float
    cadre: tuple[str, ...]
    posted: tuple[str, ...]


# Cadres' phrases keep what cadres type: colloquial forms, Traditional characters, typos, full-width letters.
TRADES: dict[str, Trade] = {
    "缝纫": Trade("f", 3, ("会踩缝纫机", "做衣服", "縫紉", "缝纫", "踩平车", "车工", "逢纫"), ("缝纫工", "熨烫")),
    "电焊": Trade("m", 1, ("电焊", "电汗", "會電焊", "焊工", "有电焊证"), ("电焊", "焊工证")),
    "叉车": Trade("m", 1, ("会开叉車", "开叉车", "叉车证", "開叉車"), ("叉车证",)),
    "驾驶": Trade("m", 1.5, ("开货车", "A2驾照", "Ａ２驾照", "B2驾照", "跑运输"), ("A2驾照", "B2驾照")),
    "电子装配": Trade("f", 2, ("电子厂流水线", "插件", "焊锡", "电子厂做过"), ("插件", "焊锡", "质检")),
    "普工": Trade("", 3, ("普工", "流水线", "打零工", "厂里做过"), ("流水线", "普工")),
    "泥瓦": Trade("m", 2, ("泥瓦工", "砌墙", "泥水匠", "贴瓷砖"), ("泥瓦工",)),
    "木工": Trade("m", 1, ("木工", "做家具"), ("木工",)),
    "机加工": Trade("m", 0.7, ("开车床", "钳工", "数控"), ("钳工", "数控车床")),
    "保洁": Trade("f", 2, ("保洁", "打扫卫生", "保潔"), ("保洁",)),
    "保安": Trade("m", 1, ("保安", "门卫"), ("保安",)),
    "厨师": Trade("", 2, ("做饭", "厨师", "烧菜", "帮厨", "廚師"), ("厨师", "做饭")),
    "搬运": Trade("m", 2, ("搬运", "装卸", "扛包"), ("搬运",)),
    "养殖": Trade("", 2, ("养猪", "养鸡", "養豬", "养牛", "养鱼"), ("养猪", "养殖")),
    "茶叶": Trade("f", 2, ("种茶", "采茶", "採茶", "炒茶"), ("采茶", "炒茶", "种茶")),
    "种植": Trade("", 3, ("种菜", "种水稻", "种果树", "种田"), ("种菜", "种果树")),
    "竹编": Trade("", 1.5, ("竹编", "编织", "编竹篮", "竹編"), ("竹编", "编织")),
    "护林": Trade("m", 0.7, ("护林", "巡山"), ("护林",)),
    "照护": Trade("f", 0.7, ("照顾老人", "带小孩"), ("照顾老人",)),
    "手机": Trade("", 0.5, ("会用智能手机", "会用微信"), ("会用智能手机",)),
}
SKILLED_TRADES = ("缝纫", "电焊", "叉车", "驾驶", "泥瓦", "木工", "机加工", "厨师")
LIGHT_TRADES = ("养殖", "茶叶", "种植", "竹编", "保洁", "照护", "护林")
NO_SKILL = "无"  # what cadres write when a laborer has no trade
PHRASE_TRADE: dict[str, str] = {
    phrase: name for name, trade in TRADES.items() for phrase in (*trade.cadre, *trade.posted)
}

# --- employers and openings ---------------------------------------------------

LIGHT, MEDIUM, HEAVY = PhysicalIntensity.light, PhysicalIntensity.medium, PhysicalIntensity.heavy
MONTH, DAY, PIECE = WageUnit.month, WageUnit.day, WageUnit.piece
FULL_TIME, FLEXIBLE, HOME = WorkingPattern.full_time, WorkingPattern.flexible_hours, WorkingPattern.home_piecework


class Role(NamedTuple):
    """A kind of post: title, skills asked for (as written), intensity, wage range in its unit, oldest age."""

    title: str
    required: tuple[str, ...]
    intensity: PhysicalIntensity
    wage_lo: float
    wage_hi: float
    age_max: int = 55
    unit: WageUnit = MONTH
    pattern: WorkingPattern = FULL_TIME


# Industry → (word in the company name, its posts). Monthly wages in CNY.
INDUSTRIES: dict[str, tuple[str, list[Role]]] = {
    "服装": (
        "服饰",
        [
            Role("缝纫工", ("缝纫工",), MEDIUM, 4000, 6500, 50),
            Role("剪线工", (), LIGHT, 2600, 3600, 60),
            Role("整烫工", ("熨烫",), MEDIUM, 3200, 4800),
            Role("包装工", (), LIGHT, 2800, 3800),
        ],
    ),
    "电子": (
        "电子科技",
        [
            Role("电子厂普工", (), LIGHT, 3600, 5200, 45),
            Role("插件工", ("插件",), LIGHT, 3400, 4800, 45),
            Role("焊锡工", ("焊锡",), LIGHT, 3800, 5500, 48),
            Role("质检员", ("质检",), LIGHT, 3600, 5000, 45),
        ],
    ),
    "电器": (
        "电器",
        [
            Role("装配工", ("流水线",), MEDIUM, 4000, 6000, 48),
            Role("注塑工", (), MEDIUM, 4200, 6200, 48),
            Role("仓管员", (), MEDIUM, 3800, 5200, 50),
        ],
    ),
    "机械": (
        "机械制造",
        [
            Role("电焊工", ("电焊",), HEAVY, 5000, 6500),
            Role("钳工", ("钳工",), MEDIUM, 4500, 6500, 50),
            Role("数控车床操作工", ("数控车床",), MEDIUM, 4500, 6500, 45),
            Role("打磨工", (), HEAVY, 4000, 5800),
        ],
    ),
    "鞋业": (
        "鞋业",
        [
            Role("针车工", ("缝纫工",), MEDIUM, 4200, 6500, 48),
            Role("成型工", (), MEDIUM, 3800, 5600, 50),
            Role("包装工", (), LIGHT, 3200, 4200),
        ],
    ),
    "箱包": (
        "箱包",
        [Role("箱包车工", ("缝纫工",), MEDIUM, 4000, 6200, 50), Role("裁床工", (), MEDIUM, 3800, 5200, 50)],
    ),
    "饰品": ("饰品", [Role("饰品串珠工", (), LIGHT, 3000, 4500), Role("包装工", (), LIGHT, 3000, 4000)]),
    "家具": (
        "家具",
        [
            Role("木工", ("木工",), MEDIUM, 4500, 6500),
            Role("油漆工", (), MEDIUM, 4500, 6500),
            Role("打磨工", (), HEAVY, 4000, 5600),
        ],
    ),
    "食品": (
        "食品",
        [
            Role("生产线操作工", ("普工",), MEDIUM, 3200, 4500, 50),
            Role("食品包装工", (), LIGHT, 2800, 3800),
            Role("冷库搬运工", ("搬运",), HEAVY, 4000, 5500, 50),
        ],
    ),
    "建材": (
        "建材",
        [
            Role("泥瓦工", ("泥瓦工",), HEAVY, 5000, 6500, 60),
            Role("建筑小工", (), HEAVY, 3800, 5000, 60),
            Role("搅拌站操作工", (), MEDIUM, 4000, 5500),
        ],
    ),
    "物流": (
        "物流",
        [
            Role("叉车司机", ("叉车证",), MEDIUM, 4500, 6500),
            Role("货车司机", ("A2驾照",), MEDIUM, 5500, 6500),
            Role("装卸工", ("搬运",), HEAVY, 4000, 6000, 50),
            Role("分拣员", (), MEDIUM, 3500, 4800, 50),
        ],
    ),
    "物业": (
        "物业服务",
        [
            Role("保洁员", ("保洁",), LIGHT, 2000, 2800, 65),
            Role("保安", ("保安",), LIGHT, 2300, 3200, 60),
            Role("绿化工", (), MEDIUM, 2200, 3000, 65),
        ],
    ),
    "餐饮": (
        "餐饮管理",
        [
            Role("厨师", ("厨师",), MEDIUM, 4000, 6500),
            Role("帮厨", ("做饭",), MEDIUM, 2800, 3800),
            Role("服务员", (), LIGHT, 2600, 3500, 45),
            Role("洗碗工", (), LIGHT, 2200, 3000, 65),
        ],
    ),
    "茶业": (
        "茶业",
        [Role("茶叶加工工", ("炒茶",), MEDIUM, 3000, 4500, 60), Role("茶园管理员", ("种茶",), MEDIUM, 2800, 4000, 60)],
    ),
    "汽车配件": (
        "汽车零部件",
        [Role("装配工", ("流水线",), MEDIUM, 4200, 6200, 45), Role("喷涂工", (), MEDIUM, 4500, 6500, 48)],
    ),
    "光伏": (
        "新能源科技",
        [Role("光伏组件操作工", ("流水线",), LIGHT, 4200, 6000, 45), Role("搬运工", ("搬运",), HEAVY, 4000, 5500, 50)],
    ),
    "铜材加工": ("铜业", [Role("拉丝工", (), HEAVY, 4500, 6500, 50), Role("电焊工", ("电焊",), HEAVY, 5000, 6500)]),
}
# Industries of the enterprises inside the county, with weights.
LOCAL_INDUSTRIES = {
    "服装": 14,
    "电子": 12,
    "食品": 10,
    "建材": 8,
    "物流": 8,
    "物业": 10,
    "餐饮": 10,
    "家具": 6,
    "机械": 6,
    "茶业": 6,
}
INDUSTRIAL_PARK_SHARE = 0.55  # local enterprises in the county's industrial park next to the county seat

# Farmers' cooperatives in villages: (name word, posts); day wages for seasonal work.
COOPERATIVE_LINES: list[tuple[str, list[Role]]] = [
    (
        "茶叶专业合作社",
        [
            Role("采茶工", ("采茶",), LIGHT, 100, 160, 70, DAY, FLEXIBLE),
            Role("茶园管护工", ("种茶",), MEDIUM, 110, 150, 65, DAY, FLEXIBLE),
        ],
    ),
    ("生猪养殖专业合作社", [Role("饲养员", ("养猪",), MEDIUM, 3000, 4500, 60)]),
    ("蔬菜种植专业合作社", [Role("蔬菜种植工", ("种菜",), MEDIUM, 90, 130, 70, DAY, FLEXIBLE)]),
    (
        "毛竹专业合作社",
        [
            Role("竹林抚育工", (), HEAVY, 150, 200, 60, DAY),
            Role("竹编工", ("竹编",), LIGHT, 5, 20, 70, PIECE, HOME),
        ],
    ),
    ("果业专业合作社", [Role("果园工", ("种果树",), MEDIUM, 100, 140, 65, DAY, FLEXIBLE)]),
]

# Workshop lines: (products, short name, wage mode, take-home work possible, posts in the wage mode's unit).
WORKSHOP_LINES: list[tuple[str, str, WageMode, bool, list[Role]]] = [
    (
        "服装加工",
        "服装",
        WageMode.piece,
        False,
        [Role("缝纫工", ("缝纫工",), MEDIUM, 1.5, 4.0, 65, PIECE), Role("剪线工", (), LIGHT, 0.2, 0.5, 75, PIECE)],
    ),
    (
        "电子元件组装",
        "电子",
        WageMode.piece,
        False,
        [
            Role("电子组装工", ("插件",), LIGHT, 0.1, 0.3, 65, PIECE),
            Role("焊锡工", ("焊锡",), LIGHT, 0.2, 0.6, 60, PIECE),
        ],
    ),
    (
        "竹木制品",
        "竹木",
        WageMode.piece,
        True,
        [Role("竹编工", ("竹编",), LIGHT, 5, 20, 75, PIECE), Role("打磨工", (), MEDIUM, 0.5, 1.5, 65, PIECE)],
    ),
    (
        "箱包",
        "箱包",
        WageMode.piece,
        False,
        [Role("箱包车工", ("缝纫工",), MEDIUM, 2, 6, 65, PIECE), Role("包装工", (), LIGHT, 0.2, 0.6, 75, PIECE)],
    ),
    ("手工编织", "编织", WageMode.piece, True, [Role("编织工（可带回家做）", ("编织",), LIGHT, 3, 15, 75, PIECE)]),
    (
        "食品加工",
        "食品",
        WageMode.day,
        False,
        [Role("食品加工工", (), MEDIUM, 90, 140, 65, DAY), Role("包装工", (), LIGHT, 80, 120, 70, DAY)],
    ),
    ("来料加工（假发、饰品）", "来料加工", WageMode.piece, True, [Role("来料加工工", (), LIGHT, 0.5, 2.0, 75, PIECE)]),
    (
        "农产品分拣包装",
        "农产品",
        WageMode.month,
        False,
        [Role("分拣包装工", (), LIGHT, 1800, 2800, 70), Role("搬运工", ("搬运",), HEAVY, 2500, 3500, 60)],
    ),
    (
        "茶叶加工",
        "茶叶",
        WageMode.day,
        False,
        [Role("采茶工", ("采茶",), LIGHT, 100, 150, 75, DAY), Role("制茶工", ("炒茶",), MEDIUM, 120, 180, 65, DAY)],
    ),
]

# Public-welfare posts (公益性岗位): title, skills asked for, weight. Light work, 700–1,200 CNY a month.
PUBLIC_WELFARE_TITLES: list[tuple[str, tuple[str, ...], int]] = [
    ("村级保洁员", ("保洁",), 30),
    ("生态护林员", ("护林",), 20),
    ("道路养护员", (), 10),
    ("农村公路管护员", (), 10),
    ("水管员", (), 8),
    ("河道巡查员", (), 10),
    ("村级就业信息员", ("会用智能手机",), 6),
    ("养老服务员", ("照顾老人",), 6),
]
PUBLIC_WELFARE_WAGES = (700, 800, 900, 1000, 1200)

# Trade names (字号) for employer names.
BRANDS = (
    "恒丰 鑫源 华信 兴旺 宏达 金鹏 瑞祥 利民 永盛 嘉禾 富康 天成 顺发 隆昌 锦程 众创 联华 德兴 广源 万通 "
    "佳美 盛世 同心 和顺 荣达 长青 信达 安泰 博远 华美 汇丰 新星 正泰 明辉 金桥 旺达 聚力 天虹 鸿运 益民"
).split()

# --- history ------------------------------------------------------------------

P_WITHDRAWN = 0.04  # the cadre withdraws the referral before anything happens
CANDIDATES_LOOKED_AT = 25  # openings a cadre weighs for one laborer
VILLAGE_REACH_KM = 10.0  # how far a laborer who wants to work near home will go
PUBLIC_WELFARE_REACH_KM = 6.0  # public-welfare posts go to people of the village and its neighbours
PICK_TRIES = 30

REASON_NOTES: dict[OutcomeReason, tuple[str, ...]] = {
    OutcomeReason.too_far: ("嫌路远", "每天来回不方便", "离家太远"),
    OutcomeReason.wage_too_low: ("嫌工资低", "比预期工资低"),
    OutcomeReason.health: ("身体吃不消", "体检未通过", "干了几天腰疼"),
    OutcomeReason.family_care: ("家里老人要照顾", "要接送小孩上学", "家里农忙走不开"),
    OutcomeReason.no_skill_match: ("不会操作设备", "试工不合格"),
    OutcomeReason.employer_closed: ("车间停工", "订单不足停产"),
    OutcomeReason.age: ("超过企业招聘年龄",),
    OutcomeReason.other: ("个人原因", "联系不上本人", "已在外务工"),
}


# --- the plan: every row in memory -------------------------------------------

# Rows are written table by table, parents first; each batch is one flush.
BATCHES = (
    "county",
    "townships",
    "villages",
    "employers",
    "workshops",
    "openings",
    "households",
    "laborers",
    "referrals",
    "events and employments",
)


@dataclass
class Batch:
    """Rows written in one flush, and the foreign keys to fill from rows already written."""

    label: str
    rows: list[Any] = field(default_factory=list)
    links: list[tuple[Any, str, Any]] = field(default_factory=list)

    def add(self, row: Any, **parents: Any) -> Any:
        self.rows.append(row)
        for attr, parent in parents.items():
            if parent is not None:
                self.links.append((row, attr, parent))
        return row


@dataclass
class Person:
    """A laborer as the history simulation sees them."""

    row: Laborer
    household: int
    home: int  # index into the plan's home coordinates (village, or resettlement site)
    age: int
    capacity: LaborCapacity
    willingness: Willingness
    trades: frozenset[str]
    needs_flexible: bool
    home_only: bool
    registered_on: date
    public_welfare_ok: bool  # from a household category that public-welfare posts serve
    free_on: date | None  # from when a cadre may refer them again; None: not again
    public_welfare: tuple[date, date | None] | None = None
    jobs: list[Employment] = field(default_factory=list)

    def available(self, day: date) -> bool:
        return self.free_on is not None and self.free_on <= day and self.registered_on <= day

    def holds_public_welfare(self, day: date) -> bool:
        if self.public_welfare is None:
            return False
        start, end = self.public_welfare
        return start <= day and (end is None or day < end)


@dataclass
class Post:
    """An opening as the history simulation sees it."""

    row: Opening
    index: int
    kind: OpeningKind
    trades: frozenset[str]
    latitude: float
    longitude: float
    in_county: bool
    in_province: bool
    pattern: WorkingPattern
    intensity: PhysicalIntensity
    age_min: int
    age_max: int
    headcount: int
    organised_transfer: bool
    shuttle: bool
    low_wage: bool
    employer: Employer | None
    workshop: Workshop | None
    closes_on: date | None = None  # recruitment closed (deadline passed)
    shut_on: date | None = None  # the workshop stopped work (certification suspended)
    hires: list[tuple[date, date | None]] = field(default_factory=list)

    def open_on(self, day: date) -> bool:
        return self.closes_on is None or day <= self.closes_on - timedelta(days=7)

    def full_on(self, day: date) -> bool:
        return sum(1 for begin, end in self.hires if begin <= day and (end is None or day < end)) >= self.headcount


class Fit(NamedTuple):
    """What makes a referral work out, each in 0..1."""

    skill_hit: float
    skill_miss: float
    far: float
    flex_miss: float
    strain: float
    age_out: float
    low_wage: float


@dataclass
class DemoPlan:
    """The whole demo county, built in memory and not yet written."""

    seed: int
    today: date
    batches: list[Batch]
    counts: dict[str, int]


def _sigmoid(x: float) -> float:
    """The logistic function: odds on a log scale → a probability."""
    return 1.0 / (1.0 + math.exp(-x))


def _years_ago(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-digit organisation code."""
    total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


class Planner:
    """Builds the demo county step by step from one random seed."""

    def __init__(self, seed: int, today: date) -> None:
        self.seed = seed
        self.today = today
        self.last_day = today - timedelta(days=1)  # history ends yesterday: every date lies in the past
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.batches: dict[str, Batch] = {name: Batch(name) for name in BATCHES}
        self.county: Region | None = None
        self.townships: list[Region] = []
        self.villages: list[Region] = []  # township i owns villages[i*15:(i+1)*15]
        self.homes: list[tuple[float, float]] = []  # villages, then resettlement sites
        self.local_enterprises: list[Employer] = []
        self.posts: list[Post] = []
        self.people: list[Person] = []
        self.household_rows: list[Household] = []
        self.household_public_welfare: dict[int, list[tuple[date, date | None]]] = {}
        self.used_names: set[str] = set()
        self.used_ids: set[str] = set()
        self.used_credit_codes: set[str] = set()
        self.referrals = 0

    # --- small helpers ---------------------------------------------------------

    def weighted(self, weights: dict) -> Any:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def near(self, lat: float, lon: float, radius_km: float) -> tuple[float, float]:
        """A point spread evenly over a disc around (lat, lon)."""
        r = radius_km * math.sqrt(self.rng.random())
        theta = self.rng.uniform(0, 2 * math.pi)
        dlat = r * math.cos(theta) / 111.2
        dlon = r * math.sin(theta) / (111.2 * math.cos(math.radians(lat)))
        return round(lat + dlat, 6), round(lon + dlon, 6)

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def person_name(self, male: bool, surname: str | None = None) -> str:
        given = self.fake.first_name_male() if male else self.fake.first_name_female()
        return (surname or self.fake.last_name()) + given

    def unique_name(self, make: Callable[[], str]) -> str:
        for _ in range(50):
            name = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("ran out of distinct names")

    def credit_code(self, kind_prefix: str, area: str) -> str:
        """A valid unified social credit code (统一社会信用代码), unique in the demo."""
        while True:
            org = f"{self.rng.randrange(10**8):08d}"
            body = kind_prefix + area + org + _org_code_check(org)
            code = body + uscc.calc_check_digit(body)
            if code not in self.used_credit_codes:
                self.used_credit_codes.add(code)
                return uscc.validate(code)

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def money(self, lo: float, hi: float, unit: WageUnit) -> Decimal:
        """A wage drawn from a range, rounded the way employers quote it."""
        value = self.rng.uniform(lo, hi)
        if unit == MONTH:
            return Decimal(int(round(value / 50) * 50))
        if unit == DAY:
            return Decimal(int(round(value / 5) * 5))
        return Decimal(f"{value:.2f}")

    def deadline(self) -> date | None:
        """Most openings recruit until a date in the coming months; some have no deadline."""
        if self.rng.random() < 0.2:
            return None
        return self.today + timedelta(days=self.rng.randint(15, 180))

    # --- regions ---------------------------------------------------------------

    def regions(self) -> None:
        """The county, its 12 townships and 15 villages in each, all with coordinates."""
        county = self.batches["county"].add(
            Region(
                code=COUNTY_CODE,
                name=COUNTY_NAME,
                level=RegionLevel.county,
                latitude=COUNTY_SEAT[0],
                longitude=COUNTY_SEAT[1],
            )
        )
        village_names = [head + tail for head in VILLAGE_HEADS for tail in VILLAGE_TAILS if head != tail]
        names = self.rng.sample(village_names, len(TOWNSHIPS) * VILLAGES_PER_TOWNSHIP)
        for t, (name, lat, lon) in enumerate(TOWNSHIPS):
            code = f"{COUNTY_CODE[:6]}{100 + t:03d}000"
            township = self.batches["townships"].add(
                Region(code=code, name=name, level=RegionLevel.township, latitude=lat, longitude=lon),
                parent_id=county,
            )
            self.townships.append(township)
            for v in range(VILLAGES_PER_TOWNSHIP):
                vlat, vlon = self.near(lat, lon, VILLAGE_RADIUS_KM)
                village = self.batches["villages"].add(
                    Region(
                        code=f"{code[:9]}{201 + v:03d}",
                        name=names[t * VILLAGES_PER_TOWNSHIP + v] + "村",
                        level=RegionLevel.village,
                        latitude=vlat,
                        longitude=vlon,
                    ),
                    parent_id=township,
                )
                self.villages.append(village)
                self.homes.append((vlat, vlon))
        self.homes.extend((lat, lon) for _, lat, lon in RELOCATION_SITES)
        self.county = county

    def township_of(self, village_index: int) -> Region:
        return self.townships[village_index // VILLAGES_PER_TOWNSHIP]

    # --- employers, workshops and their openings ---------------------------------

    def add_employer(self, kind: EmployerKind, name: str, region: Region | None, address: str, code: str | None):
        employer = Employer(
            name=name,
            kind=kind,
            credit_code=code,
            address=address,
            contact_name=self.person_name(self.rng.random() < 0.6),
            contact_phone=self.phone(),
        )
        # Every employer and opening belongs to the county's bureau, also when the site lies far away.
        return self.batches["employers"].add(employer, region_id=region, county_id=self.county)

    def add_post(
        self,
        *,
        kind: OpeningKind,
        role: Role,
        employer: Employer | None,
        workshop: Workshop | None,
        region: Region | None,
        site: tuple[float, float],
        site_name: str | None,
        in_county: bool,
        in_province: bool,
        headcount: int,
        wage: tuple[Decimal, Decimal],
        age_min: int = 18,
        age_max: int | None = None,
        pattern: WorkingPattern | None = None,
        shuttle: bool = False,
        organised_transfer: bool = False,
        accommodation: bool = False,
        closed_on: date | None = None,
        description: str | None = None,
    ) -> Post:
        """One opening, with what the history simulation needs to know about it."""
        pattern = pattern or role.pattern
        age_max = age_max or role.age_max
        raw = list(role.required)
        opening = Opening(
            # The bureau's own numbering; generated codes (GW + 10 hex digits) are longer, so never the same.
            code=f"GW{len(self.posts) + 1:06d}",
            kind=kind,
            title=text.normalize(role.title),
            site_name=site_name,
            latitude=site[0],
            longitude=site[1],
            required_skills_raw=raw,
            required_skills=text.normalize_skills(raw),
            age_min=age_min,
            age_max=age_max,
            headcount=headcount,
            remaining_headcount=headcount,
            wage_min=wage[0],
            wage_max=wage[1],
            wage_unit=role.unit,
            working_pattern=pattern,
            physical_intensity=role.intensity,
            shuttle=shuttle,
            organised_transfer=organised_transfer,
            accommodation=accommodation,
            deadline=closed_on if closed_on else self.deadline(),
            status=OpeningStatus.closed if closed_on else OpeningStatus.open,
            description=description,
        )
        self.batches["openings"].add(
            opening, employer_id=employer, workshop_id=workshop, region_id=region, county_id=self.county
        )
        post = Post(
            row=opening,
            index=len(self.posts),
            kind=kind,
            trades=frozenset(PHRASE_TRADE[p] for p in raw if p in PHRASE_TRADE),
            latitude=site[0],
            longitude=site[1],
            in_county=in_county,
            in_province=in_province,
            pattern=pattern,
            intensity=role.intensity,
            age_min=age_min,
            age_max=age_max,
            headcount=headcount,
            organised_transfer=organised_transfer,
            shuttle=shuttle,
            # A month's pay under 3,000 CNY away from home is what laborers turn down.
            low_wage=role.unit == MONTH and float(wage[1]) < 3000,
            employer=employer,
            workshop=workshop,
            closes_on=closed_on,
        )
        self.posts.append(post)
        return post

    def wage_range(self, role: Role, uplift: float = 0.0) -> tuple[Decimal, Decimal]:
        lo = self.money(role.wage_lo, (role.wage_lo + role.wage_hi) / 2, role.unit)
        hi = self.money((role.wage_lo + role.wage_hi) / 2, role.wage_hi, role.unit)
        if uplift and role.unit == MONTH:
            lo, hi = min(lo + Decimal(uplift), Decimal(6500)), min(hi + Decimal(uplift), Decimal(6500))
        return lo, max(lo, hi)

    def workshops(self) -> None:
        """36 certified-or-applying workshops in villages, three per township, with their operators and posts."""
        per_township = WORKSHOPS // len(TOWNSHIPS)
        # Most workshops are certified; a few wait for it, and a few were suspended some months ago.
        statuses = [CertificationStatus.suspended] * WORKSHOPS_SUSPENDED + [
            CertificationStatus.applied
        ] * WORKSHOPS_APPLIED
        statuses += [CertificationStatus.certified] * (WORKSHOPS - len(statuses))
        self.rng.shuffle(statuses)
        for t in range(len(self.townships)):
            for v in self.rng.sample(range(VILLAGES_PER_TOWNSHIP), per_township):
                self.add_workshop(t * VILLAGES_PER_TOWNSHIP + v, statuses.pop())

    def add_workshop(self, village_index: int, status: CertificationStatus) -> None:
        rng = self.rng
        village = self.villages[village_index]
        township = self.township_of(village_index)
        products, short, wage_mode, home_ok, roles = rng.choice(WORKSHOP_LINES)
        operator_name = self.unique_name(lambda: f"横峰县{rng.choice(BRANDS)}{short}加工有限公司")
        address = f"{COUNTY_NAME}{township.name}{village.name}"
        operator = self.add_employer(
            EmployerKind.workshop_operator, operator_name, village, address, self.credit_code("91", "361125")
        )
        certified_on = (
            None if status == CertificationStatus.applied else self.today - timedelta(days=rng.randint(240, 1500))
        )
        shut_on = self.today - timedelta(days=rng.randint(60, 240)) if status == CertificationStatus.suspended else None
        lat, lon = self.near(village.latitude, village.longitude, 0.4)
        flexible = rng.random() < 0.9
        workshop = self.batches["workshops"].add(
            Workshop(
                name=f"{village.name}{short}帮扶车间",
                address=address + "村部旁",
                latitude=lat,
                longitude=lon,
                products=products,
                capacity=rng.randrange(20, 121, 5),
                wage_mode=wage_mode,
                flexible_hours=flexible,
                home_piecework=home_ok and rng.random() < 0.8,
                certification_status=status,
                certified_on=certified_on,
            ),
            operator_id=operator,
            village_id=village,
        )
        for role in rng.sample(roles, rng.randint(1, len(roles))):
            if workshop.home_piecework and role.intensity == LIGHT and rng.random() < 0.5:
                pattern = HOME
            else:
                pattern = FLEXIBLE if flexible else FULL_TIME
            post = self.add_post(
                kind=OpeningKind.workshop,
                role=role,
                employer=operator,
                workshop=workshop,
                region=village,
                site=(lat, lon),
                site_name=None,
                in_county=True,
                in_province=True,
                headcount=rng.randint(5, 30),
                wage=self.wage_range(role),
                age_max=rng.choice((65, 70, 75)) if role.age_max >= 65 else role.age_max,
                pattern=pattern,
                closed_on=shut_on,
                description="时间灵活，可照顾家庭" if pattern != FULL_TIME else None,
            )
            post.shut_on = shut_on

    def employers_and_openings(self) -> None:
        """Enterprises in the county and outside it, cooperatives and village collectives, and their posts."""
        rng = self.rng
        remote = round(ENTERPRISES * REMOTE_ENTERPRISE_SHARE)
        # Each enterprise and cooperative posts at least one opening; the rest fall mostly to enterprises.
        posters: list[tuple[Employer, Callable[[], None]]] = []
        for i in range(ENTERPRISES):
            if i < ENTERPRISES - remote:
                posters.append(self.local_enterprise())
            else:
                posters.append(self.remote_enterprise())
        for _ in range(COOPERATIVES):
            posters.append(self.cooperative())
        counts = [1] * len(posters)
        weights = [3 if e.kind == EmployerKind.enterprise else 1 for e, _ in posters]
        for i in rng.choices(range(len(posters)), weights=weights, k=ENTERPRISE_OPENINGS - len(posters)):
            counts[i] += 1
        for (_, post_one), n in zip(posters, counts, strict=True):
            for _ in range(n):
                post_one()
        self.public_welfare_posts()

    def local_enterprise(self) -> tuple[Employer, Callable[[], None]]:
        rng = self.rng
        industry = self.weighted(LOCAL_INDUSTRIES)
        word, roles = INDUSTRIES[industry]
        if rng.random() < INDUSTRIAL_PARK_SHARE:
            region, site = self.county, self.near(*COUNTY_SEAT, 3.0)
            address, shuttle_share = f"{COUNTY_NAME}经济开发区", 0.5
        else:
            region = rng.choice(self.townships)
            site = self.near(region.latitude, region.longitude, 1.5)
            address, shuttle_share = f"{COUNTY_NAME}{region.name}", 0.2
        place = rng.choice(("横峰县", "江西"))
        name = self.unique_name(lambda: f"{place}{rng.choice(BRANDS)}{word}有限公司")
        employer = self.add_employer(EmployerKind.enterprise, name, region, address, self.credit_code("91", "361125"))
        self.local_enterprises.append(employer)
        shuttle = rng.random() < shuttle_share

        def post_one() -> None:
            role = rng.choice(roles)
            closed = rng.random() < 0.08
            flexible = role.title in ("保洁员", "洗碗工", "绿化工") and rng.random() < 0.3
            self.add_post(
                kind=OpeningKind.enterprise,
                role=role,
                employer=employer,
                workshop=None,
                region=region,
                site=site,
                site_name=None,
                in_county=True,
                in_province=True,
                headcount=rng.choice((1, 2, 2, 3, 3, 5, 5, 8, 10, 15)),
                wage=self.wage_range(role),
                pattern=FLEXIBLE if flexible else None,
                shuttle=shuttle,
                accommodation=rng.random() < 0.2,
                closed_on=self.today - timedelta(days=rng.randint(30, 400)) if closed else None,
                description="每天有班车接送" if shuttle else None,
            )

        return employer, post_one

    def remote_enterprise(self) -> tuple[Employer, Callable[[], None]]:
        rng = self.rng
        where = rng.choice(REMOTE_SITES)
        word, roles = INDUSTRIES[rng.choice(where.industries)]
        name = self.unique_name(lambda: f"{where.short}{rng.choice(BRANDS)}{word}有限公司")
        site = self.near(where.latitude, where.longitude, 8.0)
        employer = self.add_employer(
            EmployerKind.enterprise, name, None, where.name, self.credit_code("91", where.area)
        )
        # Cross-province work goes by the county's organised transfer (有组织劳务输出), with housing.
        transfer = not where.in_province or rng.random() < 0.5

        def post_one() -> None:
            role = rng.choice(roles)
            closed = rng.random() < 0.08
            self.add_post(
                kind=OpeningKind.enterprise,
                role=role,
                employer=employer,
                workshop=None,
                region=None,
                site=site,
                site_name=where.name,
                in_county=False,
                in_province=where.in_province,
                headcount=rng.choice((5, 10, 10, 15, 20, 20, 30, 50)),
                wage=self.wage_range(role, uplift=300),
                organised_transfer=transfer,
                accommodation=True,
                closed_on=self.today - timedelta(days=rng.randint(30, 400)) if closed else None,
                description="包吃住，县人社局统一组织乘车前往" if transfer else "提供宿舍",
            )

        return employer, post_one

    def cooperative(self) -> tuple[Employer, Callable[[], None]]:
        rng = self.rng
        while True:
            village_index = rng.randrange(len(self.villages))
            village, township = self.villages[village_index], self.township_of(village_index)
            line, roles = rng.choice(COOPERATIVE_LINES)
            name = f"{COUNTY_NAME}{village.name.removesuffix('村')}{line}"
            if name not in self.used_names:
                self.used_names.add(name)
                break
        employer = self.add_employer(
            EmployerKind.cooperative,
            name,
            village,
            f"{COUNTY_NAME}{township.name}{village.name}",
            self.credit_code("93", "361125"),
        )
        site = self.near(village.latitude, village.longitude, 1.0)

        def post_one() -> None:
            role = rng.choice(roles)
            self.add_post(
                kind=OpeningKind.enterprise,
                role=role,
                employer=employer,
                workshop=None,
                region=village,
                site=site,
                site_name=None,
                in_county=True,
                in_province=True,
                headcount=rng.randint(2, 10),
                wage=self.wage_range(role),
            )

        return employer, post_one

    def public_welfare_posts(self) -> None:
        """Posts in every village (two in most), some run by the village collective."""
        rng = self.rng
        collectives: dict[int, Employer] = {}
        for v in sorted(rng.sample(range(len(self.villages)), VILLAGE_COLLECTIVES)):
            village, township = self.villages[v], self.township_of(v)
            collectives[v] = self.add_employer(
                EmployerKind.village_collective,
                f"{COUNTY_NAME}{township.name}{village.name}股份经济合作社",
                village,
                f"{COUNTY_NAME}{township.name}{village.name}村部",
                # Collectives' codes start with N2, which python-stdnum's uscc check refuses: left blank.
                None,
            )
        villages = list(range(len(self.villages)))
        extra = PUBLIC_WELFARE_POSTS - len(villages)
        second = set(rng.sample(villages, extra)) if extra > 0 else set()
        titles = [t for t, _, _ in PUBLIC_WELFARE_TITLES]
        weights = [w for _, _, w in PUBLIC_WELFARE_TITLES]
        skills = {t: s for t, s, _ in PUBLIC_WELFARE_TITLES}
        for v in villages[:PUBLIC_WELFARE_POSTS]:
            village = self.villages[v]
            picked: set[str] = set()
            for _ in range(2 if v in second else 1):
                title = rng.choices(titles, weights=weights)[0]
                while title in picked:
                    title = rng.choices(titles, weights=weights)[0]
                picked.add(title)
                wage = Decimal(rng.choice(PUBLIC_WELFARE_WAGES))
                self.add_post(
                    kind=OpeningKind.public_welfare,
                    role=Role(title, skills[title], LIGHT, 0, 0),
                    employer=collectives.get(v),
                    workshop=None,
                    region=village,
                    site=(village.latitude, village.longitude),
                    site_name=None,
                    in_county=True,
                    in_province=True,
                    headcount=rng.choices((1, 2, 3), weights=(55, 35, 10))[0],
                    wage=(wage, wage),
                    # Public-welfare posts take laborers up to 60, some extended to 65.
                    age_max=rng.choice((60, 60, 65)),
                    pattern=FLEXIBLE,
                    description="优先安排脱贫户和监测户中的弱劳动力、半劳动力",
                )

    # --- households and laborers -------------------------------------------------

    def households(self) -> None:
        """3,000 households spread unevenly over the villages, each with one to three laborers."""
        rng = self.rng
        sizes = [rng.uniform(0.6, 1.4) for _ in self.villages]
        villages = sorted(rng.choices(range(len(self.villages)), weights=sizes, k=HOUSEHOLDS))
        relocated = set(rng.sample(range(HOUSEHOLDS), round(HOUSEHOLDS * RELOCATED_HOUSEHOLD_SHARE)))
        serial: Counter[int] = Counter()
        for h, v in enumerate(villages):
            serial[v] += 1
            village = self.villages[v]
            category = self.weighted(HOUSEHOLD_CATEGORY_WEIGHTS)
            risk = self.weighted(RISK_WEIGHTS_MONITORED if category in MONITORED_CATEGORIES else RISK_WEIGHTS_OTHER)
            head_male = rng.random() < 0.8
            surname = self.fake.last_name()
            head_name = self.person_name(head_male, surname)
            household = self.batches["households"].add(
                Household(
                    code=f"{village.code}{serial[v]:04d}", category=category, risk_level=risk, head_name=head_name
                ),
                village_id=village,
            )
            self.household_rows.append(household)
            home = len(self.villages) + rng.randrange(len(RELOCATION_SITES)) if h in relocated else v
            for relation, age, male, name in self.members(head_male, surname, head_name):
                self.add_laborer(h, home, category, relation, age, male, name)

    def members(self, head_male: bool, surname: str, head_name: str) -> list[tuple[str, int, bool, str]]:
        """The household's working-age members: relation to the head, age, sex and name."""
        rng = self.rng
        n = self.weighted(MEMBERS_WEIGHTS)
        # Heads are mostly middle-aged; the oldest are past working age and registered through their children.
        low, high = self.weighted({(45, 65): 60, (66, 80): 25, (30, 44): 15})
        head_age = rng.randint(low, high)
        members: list[tuple[str, int, bool, str]] = []

        def clamp(age: int) -> int:
            return max(18, min(72, age))

        if head_age <= 72:
            members.append(("户主", head_age, head_male, head_name))
            if n >= 2 and rng.random() < 0.75:
                members.append(
                    ("配偶", clamp(head_age + rng.randint(-4, 4)), not head_male, self.person_name(not head_male))
                )
            while len(members) < n:
                child_age = head_age - rng.randint(22, 30)
                if child_age >= 18:
                    male = rng.random() < 0.5
                    members.append(("子女", child_age, male, self.person_name(male, surname)))
                else:
                    male = rng.random() < 0.5
                    members.append(
                        ("兄弟姐妹", clamp(head_age + rng.randint(-6, 6)), male, self.person_name(male, surname))
                    )
        else:
            child_age = head_age - rng.randint(22, 30)
            child_male = rng.random() < 0.6
            members.append(("子女", clamp(child_age), child_male, self.person_name(child_male, surname)))
            if n >= 2:
                members.append(
                    (
                        "儿媳" if child_male else "女婿",
                        clamp(child_age + rng.randint(-4, 4)),
                        not child_male,
                        self.person_name(not child_male),
                    )
                )
            if n >= 3:
                grandchild_male = rng.random() < 0.5
                grandchild_age = clamp(child_age - rng.randint(22, 28))
                members.append(("孙子女", grandchild_age, grandchild_male, self.person_name(grandchild_male, surname)))
        return members

    def id_number(self, age: int, male: bool) -> tuple[str, date, Sex]:
        """A valid resident ID number for someone of this age and sex, unique in the demo."""
        rng = self.rng
        latest = _years_ago(self.today, age)
        earliest = _years_ago(self.today, age + 1) + timedelta(days=1)
        birth = self.day_between(earliest, latest)
        # Hengfeng's area code was 362325 until 2000 and is 361125 since. A number keeps the code of its first
        # issue: most people born before 2000 carry 362325, and about one in four (registered late) 361125.
        while True:
            sequence = rng.randrange(500) * 2 + (1 if male else 0)  # the 17th digit: odd for men
            area = "362325" if birth.year < 2000 and sequence % 8 > 1 else "361125"
            body = f"{area}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used_ids:
                break
        self.used_ids.add(number)
        errors = Collector()
        parsed = parse_id_number(number, errors, self.today)
        if parsed is None:
            raise RuntimeError(f"demo made an invalid ID number: {errors.errors}")
        return parsed

    def add_laborer(
        self, household: int, home: int, category: HouseholdCategory, relation: str, age: int, male: bool, name: str
    ) -> None:
        rng = self.rng
        number, birth, sex = self.id_number(age, male)
        old = age >= 60
        capacity = self.weighted(
            {LaborCapacity.normal: 35, LaborCapacity.skilled: 5, LaborCapacity.weak: 50, LaborCapacity.none: 10}
            if old
            else {LaborCapacity.normal: 62, LaborCapacity.skilled: 15, LaborCapacity.weak: 20, LaborCapacity.none: 3}
        )
        weak = capacity in (LaborCapacity.weak, LaborCapacity.none)
        # Women of 35–60 are most often the ones looking after children and the old (留守妇女).
        carer_share = 0.5 if sex == Sex.female and 35 <= age <= 60 else 0.12
        home_only = rng.random() < (0.08 if weak else 0.01)
        needs_flexible = home_only or rng.random() < carer_share
        willingness = self.weighted(self.willingness_weights(capacity, age, needs_flexible))
        trades = self.pick_trades(capacity, male)
        raw = self.write_skills(trades)
        relocated = home >= len(self.villages)
        lat, lon = self.near(*self.homes[home], 0.3) if relocated else (None, None)
        health = None
        if rng.random() < {LaborCapacity.none: 0.6, LaborCapacity.weak: 0.15}.get(capacity, 0.01):
            health = rng.choice(HEALTH_NOTES)
        # Most were registered when the roster was first built, some since.
        if rng.random() < 0.7:
            registered = self.today - timedelta(days=rng.randint(800, 1000))
        else:
            registered = self.today - timedelta(days=rng.randint(30, 800))
        row = self.batches["laborers"].add(
            Laborer(
                name=name,
                id_number=number,
                birth_date=birth,
                sex=sex,
                relation_to_head=relation,
                phone=self.phone() if rng.random() < 0.85 else None,
                skills_raw=raw,
                skills=text.normalize_skills(raw),
                labor_capacity=capacity,
                willingness=willingness,
                employment_status=EmploymentStatus.unemployed,
                needs_flexible_hours=needs_flexible,
                home_based_only=home_only,
                latitude=lat,
                longitude=lon,
                health_note=health,
                registered_on=registered,
            ),
            household_id=self.household_rows[household],
        )
        self.people.append(
            Person(
                row=row,
                household=household,
                home=home,
                age=age,
                capacity=capacity,
                willingness=willingness,
                trades=trades,
                needs_flexible=needs_flexible,
                home_only=home_only,
                registered_on=registered,
                public_welfare_ok=category != HouseholdCategory.other,
                free_on=registered,
            )
        )

    @staticmethod
    def willingness_weights(capacity: LaborCapacity, age: int, needs_flexible: bool) -> dict[Willingness, int]:
        """Older, weaker and caring laborers want work near home; the young and strong go further."""
        if capacity == LaborCapacity.none:
            return {Willingness.none: 80, Willingness.village: 20}
        if age >= 55 or capacity == LaborCapacity.weak:
            return {
                Willingness.none: 12,
                Willingness.village: 50,
                Willingness.county: 25,
                Willingness.province: 7,
                Willingness.anywhere: 6,
            }
        if needs_flexible:
            return {
                Willingness.none: 8,
                Willingness.village: 45,
                Willingness.county: 35,
                Willingness.province: 6,
                Willingness.anywhere: 6,
            }
        return {
            Willingness.none: 3,
            Willingness.village: 12,
            Willingness.county: 32,
            Willingness.province: 25,
            Willingness.anywhere: 28,
        }

    def pick_trades(self, capacity: LaborCapacity, male: bool) -> frozenset[str]:
        rng = self.rng

        def draw(pool: tuple[str, ...] | list[str]) -> str:
            sex = "m" if male else "f"
            weights = [
                TRADES[t].weight * (1.5 if TRADES[t].lean == sex else 0.15 if TRADES[t].lean else 1) for t in pool
            ]
            return rng.choices(list(pool), weights=weights)[0]

        everything = list(TRADES)
        if capacity == LaborCapacity.skilled:
            trades = {draw(SKILLED_TRADES)}
            if rng.random() < 0.5:
                trades.add(draw(everything))
        elif capacity == LaborCapacity.normal:
            n = rng.choices((0, 1, 2), weights=(15, 50, 35))[0]
            trades = {draw(everything) for _ in range(n)}
        elif capacity == LaborCapacity.weak:
            trades = {draw(LIGHT_TRADES)} if rng.random() < 0.55 else set()
        else:
            trades = set()
        return frozenset(trades)

    def write_skills(self, trades: frozenset[str]) -> list[str]:
        """Skills as a cadre writes them: one or two of the ways each trade is said, or 无."""
        rng = self.rng
        if not trades:
            return [NO_SKILL] if rng.random() < 0.4 else []
        raw: list[str] = []
        for trade in sorted(trades):
            phrases = TRADES[trade].cadre
            raw.extend(rng.sample(phrases, 2 if rng.random() < 0.15 else 1))
        rng.shuffle(raw)
        return raw

    # --- history -------------------------------------------------------------------

    def distances(self, home: int) -> list[float]:
        """Kilometres from a home to every post, computed once per home."""
        cached = self._distances.get(home)
        if cached is None:
            lat, lon = self.homes[home]
            cached = [haversine_km(lat, lon, p.latitude, p.longitude) for p in self.posts]
            self._distances[home] = cached
        return cached

    def reachable(self, person: Person, kind: OpeningKind) -> list[tuple[Post, float]]:
        """Openings of a kind within the distance the laborer is willing to go."""
        key = (person.home, person.willingness, kind)
        cached = self._reach.get(key)
        if cached is not None:
            return cached
        will = person.willingness
        km = self.distances(person.home)
        posts = self._posts_of_kind[kind]
        if kind == OpeningKind.public_welfare:
            out = [(p, km[p.index]) for p in posts if km[p.index] <= PUBLIC_WELFARE_REACH_KM]
        elif will == Willingness.village:
            out = [(p, km[p.index]) for p in posts if km[p.index] <= VILLAGE_REACH_KM]
        elif will == Willingness.county:
            out = [(p, km[p.index]) for p in posts if p.in_county]
        elif will == Willingness.province:
            out = [(p, km[p.index]) for p in posts if p.in_province]
        else:
            out = [(p, km[p.index]) for p in posts]
        self._reach[key] = out
        return out

    def fit(self, person: Person, post: Post, km: float) -> Fit:
        """The features behind an outcome: skills, distance, hours, strength, age, pay."""
        if post.trades:
            hit = 1.0 if post.trades & person.trades else 0.0
            miss = 1.0 - hit
        else:
            hit, miss = 0.3, 0.0
        if post.organised_transfer and person.willingness in (Willingness.province, Willingness.anywhere):
            far = 0.15  # far, but the county takes them there and the employer houses them
        elif post.shuttle:
            far = min(1.0, km / 60)
        else:
            far = min(1.0, km / (8 if person.willingness == Willingness.village else 25))
        flex_miss = 0.0
        if person.home_only and post.pattern != HOME:
            flex_miss = 1.0
        elif person.needs_flexible and post.pattern == FULL_TIME:
            flex_miss = 1.0
        strain = {
            LaborCapacity.weak: {HEAVY: 1.0, MEDIUM: 0.5},
            LaborCapacity.none: {HEAVY: 1.0, MEDIUM: 1.0, LIGHT: 0.5},
        }.get(person.capacity, {}).get(post.intensity, 0.0)
        if person.age >= 60 and post.intensity == HEAVY:
            strain = min(1.0, strain + 0.5)
        age_out = 0.0 if post.age_min <= person.age <= post.age_max else 1.0
        low_wage = 1.0 if post.low_wage and person.capacity == LaborCapacity.skilled else 0.0
        return Fit(hit, miss, far, flex_miss, strain, age_out, low_wage)

    def choose_post(
        self, person: Person, day: date, referred: set[tuple[int, int]], index: int
    ) -> tuple[Post | None, float, Fit | None]:
        """The opening a cadre picks for a laborer: a good fit more often than not, but not always."""
        rng = self.rng
        old_or_weak = person.age >= 55 or person.capacity in (LaborCapacity.weak, LaborCapacity.none)
        carer = person.needs_flexible
        if person.holds_public_welfare(day):
            kinds = {OpeningKind.workshop: 1.0}
        else:
            public_welfare = (4.0 if old_or_weak else 0.6) if person.public_welfare_ok else 0.0
            if any(
                begin <= day and (end is None or day < end)
                for begin, end in self.household_public_welfare.get(person.household, [])
            ):
                public_welfare = 0.0  # one public-welfare post per household (一户一岗)
            enterprise = 1.0 if old_or_weak else 3.0 if carer else 7.0
            if person.willingness == Willingness.village:
                enterprise /= 2
            kinds = {
                OpeningKind.enterprise: enterprise,
                OpeningKind.workshop: 4.0 if old_or_weak or carer else 2.0,
                OpeningKind.public_welfare: public_welfare,
            }
        kinds = {k: w for k, w in kinds.items() if w > 0}
        order = []
        while kinds:
            kind = self.weighted(kinds)
            order.append(kind)
            del kinds[kind]
        for kind in order:
            pool = self.reachable(person, kind)
            if not pool:
                continue
            candidates = []
            for post, km in rng.sample(pool, min(CANDIDATES_LOOKED_AT, len(pool))):
                if not post.open_on(day) or (index, post.index) in referred or post.full_on(day):
                    continue
                if person.home_only and post.pattern != HOME and rng.random() < 0.8:
                    continue
                f = self.fit(person, post, km)
                if f.age_out and rng.random() < 0.9:
                    continue  # cadres mostly know the age limits
                weight = math.exp(1.8 * f.skill_hit - 1.0 * f.skill_miss - 1.5 * f.far - 1.0 * f.flex_miss - f.strain)
                candidates.append((weight, post, km, f))
            if candidates:
                _, post, km, f = rng.choices(candidates, weights=[c[0] for c in candidates])[0]
                return post, km, f
        return None, 0.0, None

    def pick_reason(self, weights: dict[OutcomeReason, float]) -> OutcomeReason:
        return self.weighted({k: v for k, v in weights.items() if v > 0})

    def path(self, person: Person, post: Post, f: Fit, start: date) -> tuple[list, tuple | None]:
        """The steps a referral would take, and the employment a hire would give (dates may lie ahead)."""
        rng = self.rng
        p_decline = _sigmoid(-2.4 + 2.2 * f.far + 1.8 * f.flex_miss + 0.9 * f.low_wage + 0.6 * f.strain)
        p_reject = _sigmoid(-1.8 + 2.0 * f.skill_miss - 0.9 * f.skill_hit + 1.6 * f.strain + 3.5 * f.age_out)
        decline_reason = self.pick_reason(
            {
                OutcomeReason.too_far: 2 * f.far,
                OutcomeReason.family_care: f.flex_miss + 0.1,
                OutcomeReason.wage_too_low: f.low_wage + 0.15,
                OutcomeReason.health: 0.5 * f.strain,
                OutcomeReason.other: 0.1,
            }
        )
        reject_reason = self.pick_reason(
            {
                OutcomeReason.no_skill_match: f.skill_miss + 0.1,
                OutcomeReason.age: 3 * f.age_out,
                OutcomeReason.health: f.strain,
                OutcomeReason.other: 0.15,
            }
        )
        S = ReferralState
        steps: list[tuple[ReferralState, date, OutcomeReason | None]] = [(S.recommended, start, None)]
        day = start
        if rng.random() < P_WITHDRAWN:
            return steps + [(S.withdrawn, day + timedelta(days=rng.randint(1, 14)), None)], None
        day += timedelta(days=rng.randint(0, 3))
        if rng.random() < p_decline * 0.5:
            return steps + [(S.declined, day, decline_reason)], None
        steps.append((S.referred, day, None))
        day += timedelta(days=rng.randint(1, 7))
        if rng.random() < p_decline * 0.5:
            return steps + [(S.declined, day, decline_reason)], None
        if rng.random() < p_reject * 0.35:
            return steps + [(S.rejected, day, reject_reason)], None
        steps.append((S.interviewed, day, None))
        day += timedelta(days=rng.randint(1, 7))
        if rng.random() < p_reject * 0.65:
            return steps + [(S.rejected, day, reject_reason)], None
        steps.append((S.hired, day, None))
        begin = day + timedelta(days=rng.randint(0, 7))
        p_leave = _sigmoid(
            -1.4 + 1.6 * f.flex_miss + 1.6 * f.strain + 1.2 * f.far - 1.0 * f.skill_hit + 0.6 * f.low_wage
        )
        if post.kind == OpeningKind.public_welfare:
            p_leave *= 0.4  # public-welfare posts are kept for the year
        end, reason = None, None
        if rng.random() < p_leave:
            # Most who leave do so in the first three months.
            stay = rng.randint(7, 89) if rng.random() < 0.6 else rng.randint(90, 400)
            end = begin + timedelta(days=stay)
            reason = self.pick_reason(
                {
                    OutcomeReason.family_care: f.flex_miss + (0.3 if person.needs_flexible else 0.05),
                    OutcomeReason.health: f.strain + 0.1,
                    OutcomeReason.too_far: f.far,
                    OutcomeReason.wage_too_low: 0.3 + f.low_wage,
                    OutcomeReason.other: 0.2,
                }
            )
        if post.shut_on is not None and (end is None or end > post.shut_on):
            end, reason = post.shut_on, OutcomeReason.employer_closed
        return steps, (begin, end, reason)

    def history(self) -> None:
        """18 months of referrals, in the order cadres made them, and the employments they led to."""
        rng = self.rng
        self._distances: dict[int, list[float]] = {}
        self._reach: dict[tuple, list[tuple[Post, float]]] = {}
        self._posts_of_kind = {kind: [p for p in self.posts if p.kind == kind] for kind in OpeningKind}
        self.returnees()
        first_day = self.today - timedelta(days=HISTORY_DAYS)
        days = sorted(first_day + timedelta(days=rng.randrange(HISTORY_DAYS)) for _ in range(REFERRALS))
        pool = [i for i, p in enumerate(self.people) if p.willingness != Willingness.none]
        referred: set[tuple[int, int]] = set()
        for n, day in enumerate(days):
            if n % 250 == 0:  # drop those who will not be referred again
                pool = [i for i in pool if self.people[i].free_on is not None]
            if not pool:
                break
            for _ in range(PICK_TRIES):
                index = rng.choice(pool)
                person = self.people[index]
                if person.available(day):
                    post, km, f = self.choose_post(person, day, referred, index)
                    if post is not None:
                        referred.add((index, post.index))
                        self.refer(person, post, f, day)
                        break

    def returnees(self) -> None:
        """Some who would go far have already worked away and come home (返乡), before the history starts."""
        rng = self.rng
        far = [p for p in self.people if p.willingness in (Willingness.province, Willingness.anywhere)]
        for person in rng.sample(far, round(len(far) * RETURNEE_SHARE)):
            end = self.today - timedelta(days=rng.randint(HISTORY_DAYS // 3, HISTORY_DAYS + 200))
            begin = end - timedelta(days=rng.randint(90, 1500))
            reason = self.weighted(
                {
                    OutcomeReason.family_care: 5,
                    OutcomeReason.health: 2,
                    OutcomeReason.wage_too_low: 2,
                    OutcomeReason.other: 3,
                }
            )
            self.employ(person, EmploymentKind.migrant, begin, end, reason, wage=self.money(3500, 6500, MONTH))
            person.free_on = max(person.registered_on, end + timedelta(days=rng.randint(7, 60)))

    def employ(
        self,
        person: Person,
        kind: EmploymentKind,
        begin: date,
        end: date | None,
        reason: OutcomeReason | None,
        *,
        wage: Decimal | None,
        unit: WageUnit | None = MONTH,
        full_time: bool = True,
        post: Post | None = None,
        employer: Employer | None = None,
        referral: Referral | None = None,
    ) -> Employment:
        employment = Employment(
            kind=kind,
            full_time=full_time,
            start_date=begin,
            end_date=end,
            end_reason=reason if end else None,
            wage=wage,
            wage_unit=unit if wage is not None else None,
        )
        self.batches["events and employments"].add(
            employment,
            laborer_id=person.row,
            opening_id=post.row if post else None,
            employer_id=post.employer if post else employer,
            workshop_id=post.workshop if post else None,
            referral_id=referral,
        )
        person.jobs.append(employment)
        return employment

    def stamp(self, day: date, after: datetime | None) -> datetime:
        """A moment in China's office hours (00:30–09:30 UTC) on a day, after the previous step."""
        moment = datetime.combine(day, time(0, 30), UTC) + timedelta(minutes=self.rng.randint(0, 540))
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=self.rng.randint(10, 120))
        return moment

    def refer(self, person: Person, post: Post, f: Fit, start: date) -> None:
        """One referral: its steps up to yesterday, and the employment if it ended in a hire."""
        rng = self.rng
        steps, job = self.path(person, post, f, start)
        steps = [s for s in steps if s[1] <= self.last_day]  # what has not happened yet is not recorded
        employment_args = None
        final_note = None
        if steps[-1][0] == ReferralState.hired and job is not None:
            hired_on = steps[-1][1]
            begin, end, reason = job
            begin = min(begin, self.last_day)
            if end is not None and end > self.last_day:
                end, reason = None, None
            conflict = self.hire_conflict(person, post, begin, end)
            if conflict is not None:
                final_note = conflict[1]
                steps[-1] = (ReferralState.rejected, hired_on, conflict[0])
            else:
                employment_args = (begin, end, reason)
                if end is not None:
                    steps.append((ReferralState.left, end, reason))
        final_state, final_day, final_reason = steps[-1]
        referral = Referral(score=None, reason_code=final_reason)
        self.batches["referrals"].add(referral, laborer_id=person.row, opening_id=post.row)
        previous: ReferralState | None = None
        moment: datetime | None = None
        for i, (state, day, reason) in enumerate(steps):
            moment = self.stamp(day, moment)
            note = rng.choice(REASON_NOTES[reason]) if reason is not None and rng.random() < 0.6 else None
            if i == len(steps) - 1 and final_note is not None:
                note = final_note
            self.batches["events and employments"].add(
                ReferralEvent(from_state=previous, to_state=state, occurred_at=moment, reason_code=reason, note=note),
                referral_id=referral,
            )
            previous = state
        referral.state, referral.state_since = final_state, moment
        self.referrals += 1

        if employment_args is None:
            if final_state in (ReferralState.recommended, ReferralState.referred, ReferralState.interviewed):
                person.free_on = None  # still under way: this laborer waits for the answer
            else:
                person.free_on = final_day + timedelta(days=rng.randint(3, 30))
            return
        begin, end, reason = employment_args
        post.hires.append((begin, end))
        self.employ(
            person,
            lifecycle.employment_kind(post.kind, post.in_county),
            begin,
            end,
            reason,
            wage=self.money(float(post.row.wage_min), float(post.row.wage_max), post.row.wage_unit),
            unit=post.row.wage_unit,
            full_time=lifecycle.is_full_time(post.kind, post.pattern),
            post=post,
            referral=referral,
        )
        if post.kind == OpeningKind.public_welfare:
            self.household_public_welfare.setdefault(person.household, []).append((begin, end))
            person.public_welfare = (begin, end)
            # A public-welfare post is part-time: its holder may later add workshop work.
            person.free_on = begin + timedelta(days=rng.randint(30, 180))
        else:
            person.free_on = end + timedelta(days=rng.randint(7, 60)) if end is not None else None

    def hire_conflict(
        self, person: Person, post: Post, begin: date, end: date | None
    ) -> tuple[OutcomeReason, str] | None:
        """Why a hire cannot go ahead: the workshop shut, no places left, or the household already has its post."""
        if post.shut_on is not None and begin >= post.shut_on:
            return OutcomeReason.employer_closed, "车间已停工"

        def overlaps(other: tuple[date, date | None]) -> bool:
            o_begin, o_end = other
            return (end is None or o_begin < end) and (o_end is None or begin < o_end)

        # Headcount is never overfilled, at any moment of the history.
        if sum(1 for h in post.hires if overlaps(h)) >= post.headcount:
            return OutcomeReason.other, "名额已满"
        # One public-welfare post per household at a time (一户一岗).
        if post.kind == OpeningKind.public_welfare and any(
            overlaps(h) for h in self.household_public_welfare.get(person.household, [])
        ):
            return OutcomeReason.other, "本户已有公益性岗位（一户一岗）"
        return None

    def self_found(self) -> None:
        """Work found without a referral (migrant work, own farm or shop), until about half of the willing work."""
        rng = self.rng
        willing = [p for p in self.people if p.willingness != Willingness.none]
        working = sum(1 for p in willing if any(j.end_date is None for j in p.jobs))
        pool = [
            p
            for p in willing
            if p.capacity != LaborCapacity.none
            and p.free_on is not None
            and p.free_on < self.last_day
            and not any(j.end_date is None for j in p.jobs)
        ]
        need = max(0, round(len(willing) * EMPLOYED_SHARE_OF_WILLING) - working)
        for person in rng.sample(pool, min(need, len(pool))):
            will = person.willingness
            if will in (Willingness.province, Willingness.anywhere):
                kind = EmploymentKind.migrant if rng.random() < 0.75 else EmploymentKind.self_employed
            elif will == Willingness.county:
                kind = EmploymentKind.local_enterprise if rng.random() < 0.5 else EmploymentKind.self_employed
            else:
                kind = EmploymentKind.self_employed if rng.random() < 0.8 else EmploymentKind.local_enterprise
            touched = bool(person.jobs) or person.free_on > person.registered_on
            earliest = person.free_on if touched else self.today - timedelta(days=3 * 365)
            begin = self.day_between(earliest, self.last_day)
            employer = rng.choice(self.local_enterprises) if kind == EmploymentKind.local_enterprise else None
            wage = None if kind == EmploymentKind.self_employed else self.money(2500, 6500, MONTH)
            self.employ(person, kind, begin, None, None, wage=wage, employer=employer)

    def finish(self) -> None:
        """Each laborer's status from their open employments; each opening's places left."""
        for person in self.people:
            current = [(j.kind, j.full_time) for j in person.jobs if j.end_date is None]
            person.row.employment_status = lifecycle.employment_status(current)
        for post in self.posts:
            post.row.remaining_headcount = post.headcount - sum(1 for _, end in post.hires if end is None)

    def plan(self) -> DemoPlan:
        batches = [self.batches[name] for name in BATCHES]
        counts = {
            "townships": len(self.townships),
            "villages": len(self.villages),
            "households": len(self.household_rows),
            "laborers": len(self.people),
            "employers": len(self.batches["employers"].rows),
            "workshops": len(self.batches["workshops"].rows),
            "openings": len(self.posts),
            "referrals": self.referrals,
            "employments": sum(len(p.jobs) for p in self.people),
        }
        return DemoPlan(self.seed, self.today, batches, counts)


PLAN_STEPS: list[tuple[str, str]] = [
    ("区划 regions", "regions"),
    ("车间 workshops", "workshops"),
    ("用工主体与岗位 employers and openings", "employers_and_openings"),
    ("农户与劳动力 households and laborers", "households"),
    ("推荐与就业 referrals and employments", "history"),
    ("自主就业 self-found work", "self_found"),
    ("汇总 status", "finish"),
]


def plan(seed: int = 2026, today: date | None = None, tick: Callable[[str], None] | None = None) -> DemoPlan:
    """Build the demo county in memory: the same seed and day give the same rows."""
    planner = Planner(seed, today or date.today())
    for label, method in PLAN_STEPS:
        if tick:
            tick(label)
        getattr(planner, method)()
    return planner.plan()


@contextmanager
def _progress(enabled: bool, length: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr naming the step (never a person)."""
    if not enabled:
        yield lambda label: None
        return
    with click.progressbar(
        length=length,
        label="载入演示县 / loading the demo county",
        file=sys.stderr,
        item_show_func=lambda label: label,
    ) as bar:
        yield lambda label: bar.update(1, label)


ALREADY_LOADED = "演示县已存在，未做任何更改 / demo county already loaded; nothing changed"


def already_loaded() -> bool:
    return db.session.execute(sa.select(Region.id).where(Region.code == COUNTY_CODE)).first() is not None


def reserve_ids(table: sa.Table, n: int) -> list[int]:
    """Primary keys for n new rows: from the table's sequence (PostgreSQL) or past its largest id (SQLite).

    Rows that come with their keys are inserted with a plain executemany and no RETURNING,
    which psycopg runs several times faster than one huge multi-row statement per batch.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = sa.func.pg_get_serial_sequence(table.name, "id")
        query = sa.select(sa.func.nextval(sequence)).select_from(sa.func.generate_series(1, n))
        return list(db.session.execute(query).scalars())
    largest = db.session.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
    return list(range(largest + 1, largest + n + 1))


def write(batch: Batch) -> None:
    """Give a batch its keys and foreign keys, and flush it."""
    by_table: dict[sa.Table, list[Any]] = {}
    for row in batch.rows:
        by_table.setdefault(type(row).__table__, []).append(row)
    for table, rows in by_table.items():
        for row, ident in zip(rows, reserve_ids(table, len(rows)), strict=True):
            row.id = ident
    for row, attr, parent in batch.links:
        setattr(row, attr, parent.id)
    db.session.add_all(batch.rows)
    db.session.flush()


def load(seed: int = 2026, progress: bool = False) -> str:
    """Load the demo county in one transaction and return a summary; do nothing if it is there."""
    if already_loaded():
        return ALREADY_LOADED
    steps = len(PLAN_STEPS) + len(BATCHES) + 1
    try:
        with _progress(progress, steps) as tick:
            demo = plan(seed, tick=tick)
            county_batch, *batches = demo.batches
            tick(f"写入 writing {county_batch.label}")
            # The county goes first and alone: on SQLite it takes the write lock before any id is
            # read, and if another load got there first its unique code stops this one here.
            county = county_batch.rows[0]
            db.session.add(county)
            try:
                db.session.flush()
            except sa.exc.IntegrityError:
                db.session.rollback()
                return ALREADY_LOADED
            for batch in batches:
                tick(f"写入 writing {batch.label}")
                write(batch)
            tick("提交 commit")
            audit.record(
                "import", "regions", county.id, {"demo_county": COUNTY_CODE, "seed": seed, "rows": demo.counts}
            )
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    c = demo.counts
    return (
        f"演示县{COUNTY_NAME}已载入（种子 {seed}）：{c['townships']} 个乡镇、{c['villages']} 个村、"
        f"{c['households']} 户、{c['laborers']} 名劳动力、{c['workshops']} 个帮扶车间、{c['employers']} 个用工主体、"
        f"{c['openings']} 个岗位、{c['referrals']} 条推荐、{c['employments']} 条就业记录。\n"
        f"Demo county {COUNTY_NAME} loaded (seed {seed}): {c['townships']} townships, {c['villages']} villages, "
        f"{c['households']} households, {c['laborers']} laborers, {c['workshops']} workshops, "
        f"{c['employers']} employers, {c['openings']} openings, {c['referrals']} referrals, "
        f"{c['employments']} employments."
    )

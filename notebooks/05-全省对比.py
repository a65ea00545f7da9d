# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (baimq)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 全省对比：21 个地级市一般公共预算收入（2018—2025 年）
#
# **问题**：全省 21 个地级市一般公共预算收入各多少、各年增长多少？本市（湛江）总量和增速在全省排第几、位次怎样变化？2025 年统计口径变化后怎样比较？
#
# **输入**：`data_dir/real/` 下的公开数据：各市一般公共预算收入（2018—2025 年，2025 年为新口径）和湛江市官方公布数（含 2025 年可比增长）；项目配置 `config`。
#
# **输出**：本页的各市收入表、增速表、本市逐年位次表和两张图；不写文件。

# %% tags=["parameters"]
period = "2025"             # 最近年度（全省对比按年）
data_dir = "../data/raw"    # 报表文件夹（相对于 notebooks/）
out_dir = "../out"          # 输出文件夹（本页不写文件）
config = "../baimq.toml"    # 项目配置

# %%
# %matplotlib inline
# %config InlineBackend.figure_formats = ['png']
import pandas as pd

import baimq
from baimq.bulletin import build_section, city_ranks, over_time
from baimq.report import draw_chart, format_table

baimq.plots.use_style()
city = baimq.get_project(config).city
df = baimq.load(data_dir, config=config)
cities = city_ranks(df, "budget_revenue", config=config)
cities = cities[cities["period"].le(pd.Period(period, "Y"))]
section = build_section(df, "province", period, config=config)

# %% [markdown]
# ## 通报文字

# %%
print(section.paragraphs[0])

# %% [markdown]
# ## 各市收入（亿元）

# %%
format_table(over_time(cities, "budget_revenue", period, config=config), "亿元")

# %% [markdown]
# ## 各市增速
#
# 2025 年各市收入按新口径公布，与 2024 年旧口径的数不可比：名义增速不计算，标为"口径变化"，而不是给出一个错误的增速（如湛江 215.10 ÷ 164.96 − 1 = 30.4%）。

# %%
format_table(over_time(cities, "budget_revenue", period, column="growth", config=config))

# %% [markdown]
# ## 本市逐年位次
#
# 总量排名和增速排名都在 21 个地级市之间；位次变化与上年比较，正数为上升。口径变化的年份没有名义增速，"可比增长"取官方公布的可比口径增速。

# %%
mine = cities[cities["area"].eq(city)]
format_table(pd.DataFrame({
    "年度": mine["period"].astype(str), "一般公共预算收入": mine["value"], "同比增长": mine["growth"],
    "可比增长": mine["comparable_growth"], "说明": mine["growth_note"], "总量排名": mine["value_rank"],
    "增速排名": mine["rank"], "增速排名变化": mine["rank_change"]}), "亿元")

# %% [markdown]
# 湛江总量多年居全省第 9 至 12 位；增速位次起伏大：2022 年下降 14.6%、增速排第 19 位，2023 年增长 13.6%、升至第 3 位。2025 年口径变化，名义增速不可比，按官方公布的可比口径增长 6.9%（以默认参数 2025 为例）。

# %%
fig = draw_chart(section.charts[0], section.source)

# %% [markdown]
# ## 最近一个可比年度的增速

# %%
comparable = cities.dropna(subset=["growth"])
last = comparable["period"].max()
print(f"最近一个可比年度：{last}年")
ax = baimq.plots.city_compare(comparable[comparable["period"].eq(last)], by="growth", source=section.source)

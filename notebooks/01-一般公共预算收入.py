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
# # 01 一般公共预算收入
#
# **问题**：年初至本月（参数 `period`），全市和各县（市、区）一般公共预算收入完成多少、同比增长多少？税收和非税各占多少？逐月累计与上年相比走势如何？各县对全市增长的贡献和拉动各多少？增速排名如何、比上月有何变化？
#
# **输入**：`data_dir` 下的月度收入报表（1-N月累计，含上年同期）和年度目标任务分解表；项目配置 `config`。
#
# **输出**：本页的通报文字、分县表、收入结构表、逐月累计表和三张图；不写文件。

# %% tags=["parameters"]
period = "2023-06"          # 通报月份
data_dir = "../data/raw"    # 报表文件夹（相对于 notebooks/）
out_dir = "../out"          # 输出文件夹（本页不写文件）
config = "../baimq.toml"    # 项目配置

# %%
# %matplotlib inline
# %config InlineBackend.figure_formats = ['png']
import pandas as pd

import baimq
from baimq.bulletin import build_section
from baimq.report import draw_chart, format_table

baimq.plots.use_style()
df = baimq.load(data_dir, config=config)
section = build_section(df, "budget", period, config=config)
charts = {chart.name: chart for chart in section.charts}

# %% [markdown]
# ## 通报文字

# %%
print(section.paragraphs[0])

# %% [markdown]
# ## 分县完成情况
#
# 同比按累计数比累计数（本年 1-N 月比上年 1-N 月），上年同期取报表自己填报的上年同期数。贡献率是该县增量占全市增量的比重，拉动是该县增量除以全市上年基数（百分点），各县拉动之和等于全市增速。完成率比年度目标，与时序进度比较亮灯。

# %%
format_table(section.tables["一般公共预算收入"], section.units["一般公共预算收入"])

# %%
fig = draw_chart(charts["budget_by_county"], section.source)

# %% [markdown]
# 以默认参数 2023-06 为例：市本级收入最多，增量贡献约三分之一；廉江市增速第一，一县就拉动全市增长 1.66 个百分点，贡献超过四分之一；坡头区、霞山区下降，拖累全市增速。

# %% [markdown]
# ## 税收与非税结构

# %%
format_table(section.tables["收入结构"], section.units["收入结构"])

# %% [markdown]
# 税收占比越高，收入质量越好。以默认参数为例，全市税收占六成，赤坎区超过七成、霞山区接近七成，徐闻县、坡头区、雷州市不足一半，收入更多依靠非税。

# %% [markdown]
# ## 逐月累计与上年对比
#
# 下表是图中的数：每月的年初至当月累计数（亿元），本年只到通报月份。

# %%
months = charts["budget_cumulative"].slide
format_table(pd.DataFrame({"月份": months["categories"], **months["series"]}), "亿元")

# %%
fig = draw_chart(charts["budget_cumulative"], section.source)

# %% [markdown]
# ## 增速排名及变化
#
# 只在县（市、区）之间排名（市本级不参与），排名变化与上月比较，正数为上升。

# %%
ranking = section.tables["一般公共预算收入"].dropna(subset=["增速排名"]).sort_values("增速排名", kind="stable")
format_table(ranking[["地区", "本年累计", "同比增长", "增速排名", "排名变化"]], "亿元")

# %%
fig = draw_chart(charts["budget_growth_rank"], section.source)

# %% [markdown]
# 以默认参数为例：赤坎区、遂溪县各上升 2 位，徐闻县下降 2 位；廉江市保持第一，坡头区保持末位。

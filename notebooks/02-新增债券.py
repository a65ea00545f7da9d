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
# # 02 新增债券
#
# **问题**：本年（参数 `period` 所在年度）已下达的新增债券，各县（市、区）和各批次分得多少？一般债券、专项债券各多少？县（市、区）合计占全市多少（如"分配县（市、区）88.84亿元、占81.5%"）？比上年增长多少？
#
# **输入**：`data_dir` 下的新增债券分配表（每批次一张，含本年和上年各批次）；项目配置 `config`。
#
# **输出**：本页的通报文字、分县表、分批次表、首批次的县级占比和两张图；不写文件。

# %% tags=["parameters"]
period = "2023-06"          # 通报月份（取其所在年度）
data_dir = "../data/raw"    # 报表文件夹（相对于 notebooks/）
out_dir = "../out"          # 输出文件夹（本页不写文件）
config = "../baimq.toml"    # 项目配置

# %%
# %matplotlib inline
# %config InlineBackend.figure_formats = ['png']
import pandas as pd

import baimq
from baimq.bulletin import build_section, county_share_words, unique_figures
from baimq.report import draw_chart, format_table

baimq.plots.use_style()
df = baimq.load(data_dir, config=config)
section = build_section(df, "bond", period, config=config)
charts = {chart.name: chart for chart in section.charts}

# %% [markdown]
# ## 通报文字
#
# 全年数为本年已下达各批次之和，同比与上年各批次之和比较。

# %%
print(section.paragraphs[0])

# %% [markdown]
# ## 分县分配情况（各批次合计）

# %%
format_table(section.tables["新增债券"], section.units["新增债券"])

# %%
fig = draw_chart(charts["bond_split"], section.source)

# %% [markdown]
# 新增债券以专项债券为主，一般债券只占很小一部分；以默认参数为例，赤坎区增长最快（比上年多一倍多，但基数小），坡头区是唯一比上年减少的县（区）。

# %% [markdown]
# ## 分批次
#
# 空白（"—"）表示该批次没有分配给该地区。

# %%
format_table(section.tables["新增债券分批次"], section.units["新增债券分批次"])

# %%
fig = draw_chart(charts["bond_share"], section.source)

# %% [markdown]
# ## 首个批次：县（市、区）分得多少
#
# 工作报告常写的一句（如"提前批次新增债券109亿元，其中分配县（市、区）88.84亿元、占81.5%"）按本年第一个批次计算：

# %%
first_batch = section.tables["新增债券分批次"].columns[1]
year = pd.Period(period, "M").year
bonds = unique_figures(df)
batch = bonds[bonds["indicator"].eq("bond_new") & bonds["batch"].eq(first_batch) & bonds["kind"].eq("actual")
              & bonds["period"].eq(pd.Period(str(year), "Y"))]
print(f"{year}年{first_batch}：{county_share_words(batch)}")
print(baimq.describe(bonds, "bond_new", str(year), batch=first_batch, config=config))

# %%
ax = baimq.plots.share_chart(baimq.compare.share(batch, config=config), title=f"{first_batch}{county_share_words(batch)}",
                             source=section.source)

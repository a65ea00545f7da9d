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
# # 04 农民合作社
#
# **问题**：各县（市、区）农民合作社有多少家，逐年（年底）和本期（月底）比上年增长多少？全市总数怎样变化？
#
# **输入**：`data_dir` 下的农民合作社数量表（月底、年底存量，含多年对比表）；项目配置 `config`。
#
# **输出**：本页的通报文字、分县逐年数量和增速表、两张图；不写文件。

# %% tags=["parameters"]
period = "2023-06"          # 通报月份
data_dir = "../data/raw"    # 报表文件夹（相对于 notebooks/）
out_dir = "../out"          # 输出文件夹（本页不写文件）
config = "../baimq.toml"    # 项目配置

# %%
# %matplotlib inline
# %config InlineBackend.figure_formats = ['png']
import baimq
from baimq.bulletin import build_section, over_time, unique_figures
from baimq.report import draw_chart, format_table

baimq.plots.use_style()
df = baimq.load(data_dir, config=config)
section = build_section(df, "coop", period, config=config)
coops = baimq.yoy(unique_figures(df[df["indicator"].eq("coop_count")]))

# %% [markdown]
# ## 通报文字

# %%
print(section.paragraphs[0])

# %% [markdown]
# ## 分县逐年数量（家）
#
# 往年取年底数，本年取通报月份的月底数。

# %%
format_table(over_time(coops, "coop_count", period, config=config), "家")

# %% [markdown]
# ## 分县逐年增速
#
# 年底数比上年年底，月底数比上年同月底。

# %%
format_table(over_time(coops, "coop_count", period, column="growth", config=config))

# %%
fig = draw_chart(section.charts[0], section.source)

# %%
fig = draw_chart(section.charts[1], section.source)

# %% [markdown]
# 以默认参数 2023-06 为例：全市合作社逐年增加一成左右；廉江市、雷州市、吴川市、遂溪县总量最多，坡头区、遂溪县增长最快；赤坎区、霞山区是城区，合作社只有几十家，增速意义不大。

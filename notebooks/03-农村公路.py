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
# # 03 农村公路
#
# **问题**：截至报告日（参数 `period` 所在月的报表），各县（市、区）农村公路累计开工、累计完工多少，占年度任务多少？与时序进度相比亮什么灯？哪几个县最慢？
#
# **输入**：`data_dir` 下的农村公路建设进度表（年度任务、累计开工、累计完工，截至某日）；项目配置 `config`。
#
# **输出**：本页的通报文字、进度表、最慢的县和进度图；不写文件。

# %% tags=["parameters"]
period = "2023-06"          # 通报月份
data_dir = "../data/raw"    # 报表文件夹（相对于 notebooks/）
out_dir = "../out"          # 输出文件夹（本页不写文件）
config = "../baimq.toml"    # 项目配置

# %%
# %matplotlib inline
# %config InlineBackend.figure_formats = ['png']
import baimq
from baimq.bulletin import build_section
from baimq.report import draw_chart, format_table

baimq.plots.use_style()
df = baimq.load(data_dir, config=config)
section = build_section(df, "road", period, config=config)
print(f"报告日：{section.when}")

# %% [markdown]
# ## 通报文字

# %%
print(section.paragraphs[0])

# %% [markdown]
# ## 进度表
#
# 开工率、完工率都按年度任务计算；时序进度按报告日计算（已过天数 ÷ 全年天数），亮灯比较的是完工率。

# %%
roads = section.tables["农村公路"]
format_table(roads, section.units["农村公路"])

# %%
fig = draw_chart(section.charts[0], section.source)

# %% [markdown]
# ## 最慢的三个县（市、区）

# %%
slowest = roads[roads["地区"].ne(baimq.get_project(config).city)].sort_values("完工率", kind="stable").head(3)
format_table(slowest, section.units["农村公路"])

# %% [markdown]
# 以默认参数 2023-06 为例：时间过半，全市完工只占年度任务两成多，各县全部亮红灯；雷州市、徐闻县、麻章区连开工率都只有三成左右，完工率一成多，开工不足是主因，需要督促尽快开工。吴川市、坡头区、遂溪县开工率已超八成，完工进度取决于在建路段收尾。

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
# # 00 总览：本期各项指标与亮灯
#
# **问题**：本期（参数 `period`）各项指标全市完成了多少、比上年增长多少？哪些县（市、区）的进度落后于时序进度（亮黄灯、红灯）？读取报表时有哪些需要核对的问题？
#
# **输入**：`data_dir` 下的全部报表（`sample/` 为示例数据，`real/` 为公开数据），项目配置 `config`（`baimq.toml`）。
#
# **输出**：本页的主要指标表、亮灯表、进度落后清单和各部分通报文字；不写文件（通报文件见 `06-月度通报`）。

# %% tags=["parameters"]
period = "2023-06"          # 通报月份
data_dir = "../data/raw"    # 报表文件夹（相对于 notebooks/）
out_dir = "../out"          # 输出文件夹（本页不写文件）
config = "../baimq.toml"    # 项目配置

# %%
# %matplotlib inline
# %config InlineBackend.figure_formats = ['png']
import baimq
from baimq.bulletin import behind_schedule, build_bulletin, headlines, light_board
from baimq.report import format_table

baimq.plots.use_style()

# %%
df = baimq.load(data_dir, config=config)
files = df["source"].str.split("!").str[0].nunique()
print(f"读取 {files} 个报表文件，共 {len(df)} 个数据")

# %% [markdown]
# ## 读取时的提示
#
# 读取时发现的问题（错误会中止读取，这里只会是提示）。逐条核对原表：确属原表如此的，保留不改并在通报中说明。

# %%
found = baimq.findings(df)
found[["severity", "file", "sheet", "cell", "message"]].replace({"warning": "提示", "error": "错误"}).rename(columns={
    "severity": "级别", "file": "文件", "sheet": "工作表", "cell": "单元格", "message": "内容"})

# %% [markdown]
# 以默认数据为例，只有 4 条提示：湛江市 2021、2022 年债务余额的合计行小于市本级与各县之和。这是《广东省地方政府债务限额及余额决算情况表》原样公布的数（见 `data/raw/README.md`），不作修改。

# %% [markdown]
# ## 本期主要指标
#
# 每项指标取全市的数，期间按各表的口径：收入为年初至本月累计，债券为当年已下达各批次合计，公路为截至报告日，合作社为月底存量，全省对比为最近一个年度。

# %%
bulletin = build_bulletin(df, period, config=config)
print(bulletin.title)
format_table(headlines(bulletin))

# %% [markdown]
# ## 亮灯
#
# 完成率与时序进度比较：达到时序进度亮绿灯，落后不超过 10 个百分点亮黄灯，落后更多亮红灯（规则见 `baimq.toml` 的 `[lights]`）。只有设了年度目标的指标才亮灯。

# %%
format_table(light_board(bulletin))

# %% [markdown]
# ## 进度落后的地区
#
# 红灯在前，同色按落后的百分点从多到少排列。

# %%
format_table(behind_schedule(bulletin))

# %% [markdown]
# 以默认参数 2023-06 为例：收入只有廉江市达到时序进度，其余地区亮黄灯；农村公路全部亮红灯，雷州市、徐闻县、麻章区完工率仅一成多，是督办的重点。

# %% [markdown]
# ## 各部分通报文字
#
# 以下文字由数据直接生成，与通报文件（`06-月度通报`）中的一致。

# %%
for section in bulletin.sections:
    print(f"【{section.heading}】{''.join(section.paragraphs)}\n")

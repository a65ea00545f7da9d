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
# # 06 月度通报
#
# **问题**：生成参数 `period` 月份的通报：图表、演示文稿、表格和通报文字。
#
# **输入**：`data_dir` 下的全部报表；项目配置 `config`。
#
# **输出**：`out_dir/<月份>/` 下的 `charts/*.png`、`charts/*.svg`、`bulletin.pptx`（可编辑的原生图表）、`tables.xlsx` 和 `bulletin.md`；本页显示文件清单、通报全文和各部分的图。
#
# 换一个月份：`papermill 06-月度通报.ipynb 输出.ipynb -p period 2023-09`（在 notebooks/ 下运行，或加 `--cwd notebooks`）。

# %% tags=["parameters"]
period = "2023-06"          # 通报月份
data_dir = "../data/raw"    # 报表文件夹（相对于 notebooks/）
out_dir = "../out"          # 输出文件夹
config = "../baimq.toml"    # 项目配置

# %%
from IPython.display import Image, Markdown
from pptx import Presentation

import baimq
from baimq.report import build_report, bulletin_markdown

result = build_report(data_dir, period, out_dir, config=config, quiet=True)
print(f"{result.period} 通报已写入 {out_dir}/{result.period}/：")
for name in sorted(f.relative_to(result.folder).as_posix() for f in result.files):
    print(" ", name)

# %%
deck = Presentation(result.folder / "bulletin.pptx")
print(f"演示文稿 bulletin.pptx 共 {len(deck.slides)} 页")

# %% [markdown]
# ## 通报全文（bulletin.md）

# %%
Markdown(bulletin_markdown(result.bulletin))

# %% [markdown]
# ## 图（charts/*.png）
#
# 每部分的图都在 `charts/` 文件夹里（PNG 用于查看，SVG 用于排版），各部分的图也在 01–05 中逐一展示。这里以第一张为例：

# %%
first = result.bulletin.sections[0].charts[0]
print(f"charts/{first.name}.png")
Image(filename=result.folder / "charts" / f"{first.name}.png", width=800)

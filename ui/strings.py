"""Every UI string in English and Simplified Chinese: ``t(key, lang)``.

``lang`` is ``"en"`` or ``"zh"``; an unknown key returns the key itself (so a missing string is visible, never a
crash); ``t(key, lang, **fmt)`` fills ``{placeholders}``. Engine messages (``StudioError``) are shown as the
engine wrote them.
"""

from __future__ import annotations

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
    "data_intro": ("Upload a training file (CSV, TSV, JSON, JSONL, Excel, Parquet) or use the bundled bilingual pig-farming sample. "
                   "The format is detected; fix it or the column mapping below if needed.",
                   "上传训练文件（CSV、TSV、JSON、JSONL、Excel、Parquet），或使用内置的中英双语养猪知识库示例。"
                   "系统会自动识别格式；如有需要，可在下方修改格式或列映射。"),
    "data_source": ("Data source", "数据来源"),
    "src_sample": ("Sample dataset", "示例数据集"),
    "src_upload": ("Upload files", "上传文件"),
    "sample_file": ("Sample file", "示例文件"),
    "upload_train": ("Training file", "训练文件"),
    "upload_val": ("Validation file (optional)", "验证文件（可选）"),
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
    "estimate_out": ("Estimate", "估算"),
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
    # evaluate tab
    "eval_intro": ("Compare the base model with a tuned run on a test set.", "在测试集上比较基础模型与微调后的模型。"),
    "eval_run": ("Tuned run", "微调后的运行"),
    "eval_data": ("Evaluation data", "评估数据"),
    "eval_upload": ("…or upload an evaluation file / BEIR folder zip", "…或上传评估文件"),
    "run_eval": ("Evaluate", "开始评估"),
    "eval_table": ("Base vs tuned", "基础模型 vs 微调模型"),
    "eval_chart": ("Metrics", "指标"),
    "histograms": ("Score distributions", "分数分布"),
    "improved": ("Most improved queries", "提升最多的查询"),
    "degraded": ("Most degraded queries", "下降最多的查询"),
    # compare tab
    "cmp_intro": ("Type one query and see both models' ranked passages side by side. ✅ = gold passage, ↑/↓ = rank change.",
                  "输入一个查询，并排查看两个模型的排序结果。✅ = 标准答案段落，↑/↓ = 排名变化。"),
    "query": ("Query", "查询"),
    "top_k": ("Top k", "前 k 条"),
    "search": ("Search", "搜索"),
    "left_model": ("Base model", "基础模型"),
    "right_model": ("Tuned model", "微调模型"),
    "example_queries": ("Example queries", "示例查询"),
    # export tab
    "export_run": ("Run to export", "要导出的运行"),
    "which_model": ("Model", "模型"),
    "wm_final": ("final (end of training)", "final（训练结束时）"),
    "wm_best": ("best (best validation metric)", "best（验证指标最好时）"),
    "card": ("Model card", "模型卡片"),
    "make_zip": ("Download as zip", "打包下载 (zip)"),
    "zip_file": ("Zip file", "压缩包"),
    "hub_repo": ("Hub repository (your-name/model-name)", "Hub 仓库（用户名/模型名）"),
    "hub_token": ("Hugging Face token (write; kept in memory only, never saved)", "Hugging Face 令牌（需写权限；仅保存在内存中，不会保存）"),
    "hub_private": ("Private repository", "私有仓库"),
    "push": ("Push to Hub", "推送到 Hub"),
    "confirm_worse": ("I understand this model is worse than the base model and still want to export it",
                      "我知道该模型比基础模型更差，仍要导出"),
    "worse_warning": ("⚠️ This run's tuned model scored WORSE than the base model on validation. Tick the box to export anyway.",
                      "⚠️ 该运行的微调模型在验证集上比基础模型更差。如仍要导出，请勾选确认框。"),
    "need_confirm": ("This model is worse than the base model: tick the confirmation box first.",
                     "该模型比基础模型更差：请先勾选确认框。"),
    "onnx_note": ("ONNX export: coming in a later version.", "ONNX 导出：将在后续版本提供。"),
    "pushed": ("Pushed to {url}", "已推送到 {url}"),
    # --- deliver ---
    "blend_title": ("Blend base ↔ tuned", "融合基础模型 ↔ 微调模型"),
    "blend_md": ("### Blend base ↔ tuned\nWeights (1−α)·base + α·tuned: α = 0 is the base model, α = 1 the tuned one. "
                 "The curve shows NDCG@10 on the evaluation set in use (domain) and on a general-domain set of the "
                 "data's language, so you can pick the trade-off and export that blend.",
                 "### 融合基础模型 ↔ 微调模型\n权重 (1−α)·基础 + α·微调：α = 0 为基础模型，α = 1 为微调模型。"
                 "曲线显示当前评估集（领域）和同语言通用领域集上的 NDCG@10，便于选择折中点并导出该融合模型。"),
    "blend_curve": ("Compute blend curve", "计算融合曲线"),
    "blend_alpha": ("α (0 = base, 1 = tuned)", "α（0 = 基础模型，1 = 微调模型）"),
    "blend_export": ("Export blend at α as zip", "按 α 导出融合模型 zip"),
    "blend_chart": ("NDCG@10 against α", "NDCG@10 随 α 的变化"),
    "blend_table": ("Blend scores", "融合得分"),
    "blend_zip": ("Blended model (zip)", "融合模型（zip）"),
}


def t(key: str, lang: str = "en", **fmt) -> str:
    """The string ``key`` in ``lang`` (en / zh), with ``{placeholders}`` filled from ``fmt``."""
    pair = S.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "zh" else pair[0]
    return text.format(**fmt) if fmt else text


def tr_engine(text: str, lang: str = "en") -> str:
    """An engine sentence (error message, detection reason, estimate note, status word) in ``lang``.

    Engine code writes English; this maps it to Chinese from the catalogue in this module. Unknown text is
    returned as it is.
    """
    return text

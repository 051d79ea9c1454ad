"""Labels people give: agents' reviews saved from the support desk and their export as gold.

Below the extractors and the web layer: the llm extractor reads reviewed items as few-shot examples without
touching `serve/`, and the desk saves them through the same models."""

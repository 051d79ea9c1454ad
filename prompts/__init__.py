"""The prompt templates, versioned files (`NAME.vN.PART.txt`); shipped inside the package as `extractor.prompts`."""

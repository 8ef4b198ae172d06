"""Reference data shipped with the scrubber (HCPCS drug table) and loaders for CMS files."""

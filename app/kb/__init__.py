"""The knowledge base: articles, their search, suggestions for agents and automatic answers for customers."""

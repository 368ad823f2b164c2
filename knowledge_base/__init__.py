"""The knowledge base: versioned articles in SQL, their Chroma index and hybrid retrieval."""

-- pgvector: the vector type and similarity operators used for the RAG embeddings.
-- On Aurora PostgreSQL the master user (a member of rds_superuser) may create it.
CREATE EXTENSION IF NOT EXISTS vector;

-- Fail the migration (and with it the deployment) unless the vector type works:
-- the guide's manual check was `SELECT '[1,2,3]'::vector;`.
DO $$
BEGIN
  IF vector_dims('[1,2,3]'::vector) <> 3 OR '[1,2,3]'::vector::text <> '[1,2,3]' THEN
    RAISE EXCEPTION 'pgvector check failed: ''[1,2,3]''::vector does not round-trip';
  END IF;
END
$$;

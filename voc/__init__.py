"""Voice of the customer: the sentiment and theme of every survey comment, as a versioned step
beside the warehouse (issue 18).

`fit` learns, per language, a sentiment model from the retailer's own score-labelled comments
(cross-fitted: a comment's sentiment comes from a model that did not see its score) and a few
themes (NMF over TF-IDF, labelled by their top terms); the models are saved as
`<db name>-voc/model-v<N>/` beside the ingest database. `apply` scores comments the current model
has not scored yet with the full model. Both write `voc.comment_scores` in the ingest database,
which the SQL model `fct_comments` joins: the build itself stays plain, deterministic SQL on
DuckDB and on Spark. `voc.step.update` is what `cx ingest`, `cx build`, `cx demo` and `cx voc`
call.
"""

/* bench_models.h — assay-bench models (models.c): what deep knowledge tracing costs, a step in
 * this process against PyTorch's, and submissions through assayd with and without a model. */
#ifndef AS_BENCH_MODELS_H
#define AS_BENCH_MODELS_H

/* One DKT and one DKVMN step at pyKT's default sizes, timed here and by PyTorch (when
 * /usr/bin/python3 has torch); a Markdown table. */
int as_bench_models_inprocess(double seconds);
/* Submissions at 64 in flight through the engine serving data, without a model, with DKT, with
 * DKVMN (alternating), then as_bench_models_inprocess. */
int as_bench_models(const char *data);

#endif

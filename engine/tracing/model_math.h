/* model_math.h — the float32 vector kernels of the model steps (model_step.c): dot products,
 * matrix-vector products, sigmoid and tanh over vectors. Lengths are multiples of
 * AS_MODEL_LANES (8); pointers need no alignment. On x86-64 each kernel is built twice, for
 * AVX2+FMA (x86-64-v3) and for the baseline, and the loader picks one at start-up (GCC's
 * target_clones); elsewhere the portable form is the compiler's own vectors. */
#ifndef AS_MODEL_MATH_H
#define AS_MODEL_MATH_H

#include <stdint.h>

/* a · b over n floats */
float as_vec_dot(const float *a, const float *b, uint32_t n);
/* y[r] = W[r] · x + add[r] for r < rows (W row-major, rows of `cols` floats; add may be NULL) */
void as_vec_gemv(const float *w, uint32_t rows, uint32_t cols, const float *x, const float *add,
                 float *y);
/* y += a · x */
void as_vec_axpy(float a, const float *x, float *y, uint32_t n);
/* x = σ(x), x = tanh(x), in place */
void as_vec_sigmoid(float *x, uint32_t n);
void as_vec_tanh(float *x, uint32_t n);
/* One LSTM cell update from its pre-activation gates g (4 blocks of n: i, f, g, o in PyTorch's
 * order): c = σ(f)·c + σ(i)·tanh(g); h = σ(o)·tanh(c). */
void as_vec_lstm(const float *g, float *h, float *c, uint32_t n);
/* The DKVMN write of one slot: mv = mv · (1 - w·e) + w·a */
void as_vec_erase_add(float *mv, float w, const float *e, const float *a, uint32_t n);
/* σ and tanh of one number, with the same approximation as the vectors */
float as_sigmoidf(float x);

#endif

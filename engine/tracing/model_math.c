/* model_math.c — float32 vector kernels for the model steps (model_math.h).
 *
 * GCC's vector extensions: 8-lane float vectors that the compiler lowers to AVX (one register)
 * or SSE (two) or scalar code. exp is Cephes' single-precision polynomial (about 1 ulp on
 * [-87, 88]) evaluated on vectors; σ(x) = 1 / (1 + exp(-x)) and tanh(x) = 1 - 2 / (exp(2x) + 1),
 * which keep the absolute error near 1e-7, far inside the 1e-5 the engine promises against
 * PyTorch. Sums are taken in a fixed order (lanes, then lanes added pairwise), so a result does
 * not depend on the data's alignment.
 */
#include "model_math.h"

#pragma GCC diagnostic ignored "-Wpsabi" /* the vectors never cross a call boundary: */
/* every helper is inlined, also at -O0, where a vector passed to a function built for the
 * baseline from one built for AVX2 would travel by another convention */
#define S_INL static inline __attribute__((always_inline))

#include <string.h>

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

/* Not under the sanitizers: TSan's runtime is not up when the loader runs the clones' resolver
 * (assayd crashed at start), and the sanitizer builds then test the portable form. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(AS_NO_CLONES) &&   \
    !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
#define S_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define S_CLONES
#endif

S_INL v8f s_ld(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}

S_INL void s_st(float *p, v8f v)
{
    memcpy(p, &v, sizeof v);
}

S_INL v8f s_set(float x)
{
    return (v8f){x, x, x, x, x, x, x, x};
}

S_INL float s_hsum(v8f v)
{
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

/* a where m (all ones), else b */
S_INL v8f s_sel(v8i m, v8f a, v8f b)
{
    return (v8f)(((v8i)a & m) | ((v8i)b & ~m));
}

S_INL v8f s_exp(v8f x)
{
    const v8f hi = s_set(88.3762626647949f), lo = s_set(-87.3365447505531f);
    x = s_sel(x > hi, hi, x);
    x = s_sel(x < lo, lo, x);
    v8f fx = x * s_set(1.44269504088896341f) + s_set(0.5f);
    v8i n = __builtin_convertvector(fx, v8i); /* toward zero */
    v8f fn = __builtin_convertvector(n, v8f);
    v8i over = fn > fx; /* -1 where truncation went up: floor is one less */
    n = n + over;
    fn = __builtin_convertvector(n, v8f);
    x = x - fn * s_set(0.693359375f) - fn * s_set(-2.12194440e-4f);
    v8f y = s_set(1.9875691500E-4f);
    y = y * x + s_set(1.3981999507E-3f);
    y = y * x + s_set(8.3334519073E-3f);
    y = y * x + s_set(4.1665795894E-2f);
    y = y * x + s_set(1.6666665459E-1f);
    y = y * x + s_set(5.0000001201E-1f);
    y = y * (x * x) + x + s_set(1.0f);
    return y * (v8f)((n + 127) << 23); /* 2^n, built from its exponent bits */
}

S_INL v8f s_sigmoid(v8f x)
{
    return s_set(1.0f) / (s_set(1.0f) + s_exp(-x));
}

S_INL v8f s_tanh(v8f x)
{
    return s_set(1.0f) - s_set(2.0f) / (s_exp(x + x) + s_set(1.0f));
}

S_CLONES float as_vec_dot(const float *a, const float *b, uint32_t n)
{
    v8f s0 = s_set(0), s1 = s_set(0);
    uint32_t k = 0;
    for (; k + 16 <= n; k += 16) {
        s0 += s_ld(a + k) * s_ld(b + k);
        s1 += s_ld(a + k + 8) * s_ld(b + k + 8);
    }
    for (; k < n; k += 8)
        s0 += s_ld(a + k) * s_ld(b + k);
    return s_hsum(s0 + s1);
}

S_CLONES void as_vec_gemv(const float *w, uint32_t rows, uint32_t cols, const float *x,
                          const float *add, float *y)
{
    uint32_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *w0 = w + (size_t)r * cols, *w1 = w0 + cols, *w2 = w1 + cols, *w3 = w2 + cols;
        v8f a0 = s_set(0), a1 = s_set(0), a2 = s_set(0), a3 = s_set(0);
        for (uint32_t k = 0; k < cols; k += 8) {
            v8f xv = s_ld(x + k);
            a0 += s_ld(w0 + k) * xv;
            a1 += s_ld(w1 + k) * xv;
            a2 += s_ld(w2 + k) * xv;
            a3 += s_ld(w3 + k) * xv;
        }
        y[r] = s_hsum(a0) + (add ? add[r] : 0.0f);
        y[r + 1] = s_hsum(a1) + (add ? add[r + 1] : 0.0f);
        y[r + 2] = s_hsum(a2) + (add ? add[r + 2] : 0.0f);
        y[r + 3] = s_hsum(a3) + (add ? add[r + 3] : 0.0f);
    }
    for (; r < rows; r++)
        y[r] = as_vec_dot(w + (size_t)r * cols, x, cols) + (add ? add[r] : 0.0f);
}

S_CLONES void as_vec_axpy(float a, const float *x, float *y, uint32_t n)
{
    v8f av = s_set(a);
    for (uint32_t k = 0; k < n; k += 8)
        s_st(y + k, s_ld(y + k) + av * s_ld(x + k));
}

S_CLONES void as_vec_sigmoid(float *x, uint32_t n)
{
    for (uint32_t k = 0; k < n; k += 8)
        s_st(x + k, s_sigmoid(s_ld(x + k)));
}

S_CLONES void as_vec_tanh(float *x, uint32_t n)
{
    for (uint32_t k = 0; k < n; k += 8)
        s_st(x + k, s_tanh(s_ld(x + k)));
}

S_CLONES void as_vec_lstm(const float *g, float *h, float *c, uint32_t n)
{
    for (uint32_t k = 0; k < n; k += 8) {
        v8f i = s_sigmoid(s_ld(g + k)), f = s_sigmoid(s_ld(g + n + k));
        v8f gg = s_tanh(s_ld(g + 2 * (size_t)n + k)), o = s_sigmoid(s_ld(g + 3 * (size_t)n + k));
        v8f cv = f * s_ld(c + k) + i * gg;
        s_st(c + k, cv);
        s_st(h + k, o * s_tanh(cv));
    }
}

S_CLONES void as_vec_erase_add(float *mv, float w, const float *e, const float *a, uint32_t n)
{
    v8f wv = s_set(w), one = s_set(1.0f);
    for (uint32_t k = 0; k < n; k += 8)
        s_st(mv + k, s_ld(mv + k) * (one - wv * s_ld(e + k)) + wv * s_ld(a + k));
}

float as_sigmoidf(float x)
{
    v8f v = s_sigmoid(s_set(x));
    return v[0];
}

//! Poisson draws of four arrival streams at once (AVX2, chosen at run time):
//! the same numbers, bit for bit, as [`poisson_count`] drawing from each
//! stream in turn.
//!
//! A month's four draws take the common path of each step together: two
//! words of each Xoshiro256++ stream, the normal deviate's first ziggurat
//! layer test, the uniform, and the Ahrens–Dieter accept test of
//! [`super::draws`] (the same operations in the same order, without fused
//! multiply-adds, so every value is the scalar code's). A stream whose draw
//! leaves the common path (a ziggurat tail or edge, a rejected candidate, a
//! mean outside the normal method's range, about one draw in twelve) has its
//! state before the month put back and draws that month alone with
//! [`poisson_count`], so its words are used exactly as they would be alone.
//! Without AVX2 (or off x86-64) every draw is [`poisson_count`]'s.

use rand::SeedableRng;

use super::draws::poisson_count;
use crate::rng::StreamRng;

/// Draws `means.len()` months of four streams: `out[m][k]` is stream `k`'s
/// count in month `m`, with mean `means[m][k]`.
pub(super) fn poisson_counts_x4(rngs: &mut [StreamRng; 4], means: &[[f64; 4]], out: &mut [[f64; 4]]) {
    debug_assert_eq!(means.len(), out.len());
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            let mut state = words(rngs);
            // SAFETY: the processor has AVX2, checked just above.
            unsafe { avx2::poisson_counts(&mut state, means, out) };
            *rngs = streams(&state);
            return;
        }
    }
    scalar(rngs, means, out);
}

/// The same draws one stream at a time (the reference the tests compare with).
pub(super) fn scalar(rngs: &mut [StreamRng; 4], means: &[[f64; 4]], out: &mut [[f64; 4]]) {
    for (mean, out) in means.iter().zip(out.iter_mut()) {
        for k in 0..4 {
            out[k] = poisson_count(&mut rngs[k], mean[k]);
        }
    }
}

/// The four streams' states, word by word: `state[w][k]` is word `w` of stream `k`.
fn words(rngs: &[StreamRng; 4]) -> [[u64; 4]; 4] {
    let mut state = [[0u64; 4]; 4];
    for (k, rng) in rngs.iter().enumerate() {
        set_stream(&mut state, k, rng);
    }
    state
}

/// Puts `rng`'s state into lane `k` of `state`.
fn set_stream(state: &mut [[u64; 4]; 4], k: usize, rng: &StreamRng) {
    for (w, chunk) in rng.state().chunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        state[w][k] = u64::from_le_bytes(word);
    }
}

fn stream(state: &[[u64; 4]; 4], k: usize) -> StreamRng {
    let mut bytes = [0u8; 32];
    for (w, chunk) in bytes.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&state[w][k].to_le_bytes());
    }
    // A live Xoshiro256++ state is never all zero, so `from_seed` takes the
    // words as they are.
    StreamRng::from_seed(bytes)
}

fn streams(state: &[[u64; 4]; 4]) -> [StreamRng; 4] {
    [0, 1, 2, 3].map(|k| stream(state, k))
}

/// Stream `k` draws month `m` alone, from `state` (its state before the
/// month), which is left as that draw leaves it.
#[cold]
#[inline(never)]
fn alone(state: &mut [[u64; 4]; 4], k: usize, mean: f64) -> f64 {
    let mut rng = stream(state, k);
    let count = poisson_count(&mut rng, mean);
    set_stream(state, k, &rng);
    count
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{alone, ZIG_NORM_X};
    use crate::model::draws::MAX_POISSON_MEAN;

    /// One Xoshiro256++ step of four streams: their next words.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn next(s: &mut [__m256i; 4]) -> __m256i {
        let rotl = |x: __m256i, r: i32| -> __m256i {
            // A rotation by a constant, as shifts (AVX2 has no 64-bit rotate).
            match r {
                23 => _mm256_or_si256(_mm256_slli_epi64::<23>(x), _mm256_srli_epi64::<41>(x)),
                _ => _mm256_or_si256(_mm256_slli_epi64::<45>(x), _mm256_srli_epi64::<19>(x)),
            }
        };
        let result = _mm256_add_epi64(rotl(_mm256_add_epi64(s[0], s[3]), 23), s[0]);
        let t = _mm256_slli_epi64::<17>(s[1]);
        s[2] = _mm256_xor_si256(s[2], s[0]);
        s[3] = _mm256_xor_si256(s[3], s[1]);
        s[1] = _mm256_xor_si256(s[1], s[2]);
        s[0] = _mm256_xor_si256(s[0], s[3]);
        s[2] = _mm256_xor_si256(s[2], t);
        s[3] = rotl(s[3], 45);
        result
    }

    /// Words below 2^53 as floats, exactly (what `as f64` gives): the low 52
    /// bits through the float 2^52, plus bit 52.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn to_f64_below_2_53(v: __m256i) -> __m256d {
        let two_52 = _mm256_set1_pd(4_503_599_627_370_496.0);
        let low = _mm256_and_si256(v, _mm256_set1_epi64x(0x000f_ffff_ffff_ffff));
        let low = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(low, _mm256_castpd_si256(two_52))), two_52);
        let high = _mm256_castsi256_pd(_mm256_and_si256(v, _mm256_set1_epi64x(0x0010_0000_0000_0000)));
        // Bit 52 set is the word 2^52; as a float that is the bits of 2^52
        // only once shifted into place, so compare instead.
        let high = _mm256_and_pd(
            _mm256_castsi256_pd(_mm256_cmpeq_epi64(
                _mm256_castpd_si256(high),
                _mm256_set1_epi64x(0x0010_0000_0000_0000),
            )),
            two_52,
        );
        _mm256_add_pd(low, high)
    }

    /// See [`super::poisson_counts_x4`].
    #[target_feature(enable = "avx2")]
    pub(super) fn poisson_counts(state: &mut [[u64; 4]; 4], means: &[[f64; 4]], out: &mut [[f64; 4]]) {
        let load = |w: &[u64; 4]| -> __m256i { _mm256_set_epi64x(w[3] as i64, w[2] as i64, w[1] as i64, w[0] as i64) };
        let mut s = [load(&state[0]), load(&state[1]), load(&state[2]), load(&state[3])];
        let zero = _mm256_setzero_pd();
        for (mean, out) in means.iter().zip(out.iter_mut()) {
            let before = s;
            // The normal deviate's word, then the uniform's.
            let bits = next(&mut s);
            let bits_u = next(&mut s);
            // Ziggurat layer `i` (the low 8 bits); `u` in [−1, 1) from the
            // top 52 bits with exponent 1, less 3.
            let i = _mm256_and_si256(bits, _mm256_set1_epi64x(0xff));
            // SAFETY: every index is at most 255, and the table has 257 entries.
            let (x_i, x_next) = unsafe {
                (
                    _mm256_i64gather_pd::<8>(ZIG_NORM_X.as_ptr(), i),
                    _mm256_i64gather_pd::<8>(ZIG_NORM_X.as_ptr().add(1), i),
                )
            };
            let u = _mm256_sub_pd(
                _mm256_castsi256_pd(_mm256_or_si256(
                    _mm256_srli_epi64::<12>(bits),
                    _mm256_set1_epi64x(0x4000_0000_0000_0000),
                )),
                _mm256_set1_pd(3.0),
            );
            let z = _mm256_mul_pd(u, x_i);
            let abs_z = _mm256_andnot_pd(_mm256_set1_pd(-0.0), z);
            let layer = _mm256_cmp_pd::<_CMP_LT_OQ>(abs_z, x_next);
            // The uniform: 53 bits times 2^−53.
            let uniform = _mm256_mul_pd(
                to_f64_below_2_53(_mm256_srli_epi64::<11>(bits_u)),
                _mm256_set1_pd(1.0 / 9_007_199_254_740_992.0),
            );
            // SAFETY: `mean` is four floats.
            let lambda = unsafe { _mm256_loadu_pd(mean.as_ptr()) };
            let in_range = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_GE_OQ>(lambda, _mm256_set1_pd(30.0)),
                _mm256_cmp_pd::<_CMP_LE_OQ>(lambda, _mm256_set1_pd(MAX_POISSON_MEAN)),
            );
            // poisson_by_normal_deviates, operation for operation.
            let g = _mm256_add_pd(lambda, _mm256_mul_pd(_mm256_sqrt_pd(lambda), z));
            let k1 = _mm256_round_pd::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(_mm256_max_pd(g, zero));
            let d = _mm256_sub_pd(lambda, k1);
            let step_i = _mm256_cmp_pd::<_CMP_LT_OQ>(
                _mm256_sub_pd(lambda, _mm256_set1_pd(1.1484)),
                _mm256_add_pd(k1, _mm256_set1_pd(1.0)),
            );
            let six_ll_u = _mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(6.0), lambda), lambda), uniform);
            let d3 = _mm256_mul_pd(_mm256_mul_pd(d, d), d);
            let step_s = _mm256_cmp_pd::<_CMP_GE_OQ>(six_ll_u, d3);
            let accepted = _mm256_and_pd(
                _mm256_and_pd(_mm256_and_pd(layer, in_range), _mm256_cmp_pd::<_CMP_GE_OQ>(g, zero)),
                _mm256_or_pd(step_i, step_s),
            );
            // SAFETY: `out` is four floats.
            unsafe { _mm256_storeu_pd(out.as_mut_ptr(), k1) };
            let taken = _mm256_movemask_pd(accepted);
            if taken != 0b1111 {
                let mut words = [[0u64; 4]; 4];
                for (w, v) in words.iter_mut().zip(&before) {
                    // SAFETY: four words into four words.
                    unsafe { _mm256_storeu_si256(w.as_mut_ptr().cast(), *v) };
                }
                let mut after = [[0u64; 4]; 4];
                for (w, v) in after.iter_mut().zip(&s) {
                    // SAFETY: as above.
                    unsafe { _mm256_storeu_si256(w.as_mut_ptr().cast(), *v) };
                }
                for k in 0..4 {
                    if taken & (1 << k) == 0 {
                        out[k] = alone(&mut words, k, mean[k]);
                        for w in 0..4 {
                            after[w][k] = words[w][k];
                        }
                    }
                }
                s = [load(&after[0]), load(&after[1]), load(&after[2]), load(&after[3])];
            }
        }
        for (w, v) in state.iter_mut().zip(&s) {
            // SAFETY: as above.
            unsafe { _mm256_storeu_si256(w.as_mut_ptr().cast(), *v) };
        }
    }
}

/// The normal ziggurat's layer edges, from `rand_distr` 0.6
/// (`ziggurat_tables.rs`, Copyright 2018 Developers of the Rand project,
/// MIT or Apache-2.0), which does not export them: the draws must be its
/// draws exactly (the tests compare every layer's).
#[rustfmt::skip]
#[allow(clippy::excessive_precision)]
static ZIG_NORM_X: [f64; 257] =
    [3.910757959537090045, 3.654152885361008796, 3.449278298560964462, 3.320244733839166074,
     3.224575052047029100, 3.147889289517149969, 3.083526132001233044, 3.027837791768635434,
     2.978603279880844834, 2.934366867207854224, 2.894121053612348060, 2.857138730872132548,
     2.822877396825325125, 2.790921174000785765, 2.760944005278822555, 2.732685359042827056,
     2.705933656121858100, 2.680514643284522158, 2.656283037575502437, 2.633116393630324570,
     2.610910518487548515, 2.589575986706995181, 2.569035452680536569, 2.549221550323460761,
     2.530075232158516929, 2.511544441625342294, 2.493583041269680667, 2.476149939669143318,
     2.459208374333311298, 2.442725318198956774, 2.426670984935725972, 2.411018413899685520,
     2.395743119780480601, 2.380822795170626005, 2.366237056715818632, 2.351967227377659952,
     2.337996148795031370, 2.324308018869623016, 2.310888250599850036, 2.297723348901329565,
     2.284800802722946056, 2.272108990226823888, 2.259637095172217780, 2.247375032945807760,
     2.235313384928327984, 2.223443340090905718, 2.211756642882544366, 2.200245546609647995,
     2.188902771624720689, 2.177721467738641614, 2.166695180352645966, 2.155817819875063268,
     2.145083634046203613, 2.134487182844320152, 2.124023315687815661, 2.113687150684933957,
     2.103474055713146829, 2.093379631137050279, 2.083399693996551783, 2.073530263516978778,
     2.063767547809956415, 2.054107931648864849, 2.044547965215732788, 2.035084353727808715,
     2.025713947862032960, 2.016433734904371722, 2.007240830558684852, 1.998132471356564244,
     1.989106007615571325, 1.980158896898598364, 1.971288697931769640, 1.962493064942461896,
     1.953769742382734043, 1.945116560006753925, 1.936531428273758904, 1.928012334050718257,
     1.919557336591228847, 1.911164563769282232, 1.902832208548446369, 1.894558525668710081,
     1.886341828534776388, 1.878180486290977669, 1.870072921069236838, 1.862017605397632281,
     1.854013059758148119, 1.846057850283119750, 1.838150586580728607, 1.830289919680666566,
     1.822474540091783224, 1.814703175964167636, 1.806974591348693426, 1.799287584547580199,
     1.791640986550010028, 1.784033659547276329, 1.776464495522344977, 1.768932414909077933,
     1.761436365316706665, 1.753975320315455111, 1.746548278279492994, 1.739154261283669012,
     1.731792314050707216, 1.724461502945775715, 1.717160915015540690, 1.709889657069006086,
     1.702646854797613907, 1.695431651932238548, 1.688243209434858727, 1.681080704722823338,
     1.673943330923760353, 1.666830296159286684, 1.659740822855789499, 1.652674147080648526,
     1.645629517902360339, 1.638606196773111146, 1.631603456932422036, 1.624620582830568427,
     1.617656869570534228, 1.610711622367333673, 1.603784156023583041, 1.596873794420261339,
     1.589979870021648534, 1.583101723393471438, 1.576238702733332886, 1.569390163412534456,
     1.562555467528439657, 1.555733983466554893, 1.548925085471535512, 1.542128153226347553,
     1.535342571438843118, 1.528567729435024614, 1.521803020758293101, 1.515047842773992404,
     1.508301596278571965, 1.501563685112706548, 1.494833515777718391, 1.488110497054654369,
     1.481394039625375747, 1.474683555695025516, 1.467978458615230908, 1.461278162507407830,
     1.454582081885523293, 1.447889631277669675, 1.441200224845798017, 1.434513276002946425,
     1.427828197027290358, 1.421144398672323117, 1.414461289772464658, 1.407778276843371534,
     1.401094763676202559, 1.394410150925071257, 1.387723835686884621, 1.381035211072741964,
     1.374343665770030531, 1.367648583594317957, 1.360949343030101844, 1.354245316759430606,
     1.347535871177359290, 1.340820365893152122, 1.334098153216083604, 1.327368577624624679,
     1.320630975217730096, 1.313884673146868964, 1.307128989027353860, 1.300363230327433728,
     1.293586693733517645, 1.286798664489786415, 1.279998415710333237, 1.273185207661843732,
     1.266358287014688333, 1.259516886060144225, 1.252660221891297887, 1.245787495544997903,
     1.238897891102027415, 1.231990574742445110, 1.225064693752808020, 1.218119375481726552,
     1.211153726239911244, 1.204166830140560140, 1.197157747875585931, 1.190125515422801650,
     1.183069142678760732, 1.175987612011489825, 1.168879876726833800, 1.161744859441574240,
     1.154581450355851802, 1.147388505416733873, 1.140164844363995789, 1.132909248648336975,
     1.125620459211294389, 1.118297174115062909, 1.110938046009249502, 1.103541679420268151,
     1.096106627847603487, 1.088631390649514197, 1.081114409698889389, 1.073554065787871714,
     1.065948674757506653, 1.058296483326006454, 1.050595664586207123, 1.042844313139370538,
     1.035040439828605274, 1.027181966030751292, 1.019266717460529215, 1.011292417434978441,
     1.003256679539591412, 0.995156999629943084, 0.986990747093846266, 0.978755155288937750,
     0.970447311058864615, 0.962064143217605250, 0.953602409875572654, 0.945058684462571130,
     0.936429340280896860, 0.927710533396234771, 0.918898183643734989, 0.909987953490768997,
     0.900975224455174528, 0.891855070726792376, 0.882622229578910122, 0.873271068082494550,
     0.863795545546826915, 0.854189171001560554, 0.844444954902423661, 0.834555354079518752,
     0.824512208745288633, 0.814306670128064347, 0.803929116982664893, 0.793369058833152785,
     0.782615023299588763, 0.771654424216739354, 0.760473406422083165, 0.749056662009581653,
     0.737387211425838629, 0.725446140901303549, 0.713212285182022732, 0.700661841097584448,
     0.687767892786257717, 0.674499822827436479, 0.660822574234205984, 0.646695714884388928,
     0.632072236375024632, 0.616896989996235545, 0.601104617743940417, 0.584616766093722262,
     0.567338257040473026, 0.549151702313026790, 0.529909720646495108, 0.509423329585933393,
     0.487443966121754335, 0.463634336771763245, 0.437518402186662658, 0.408389134588000746,
     0.375121332850465727, 0.335737519180459465, 0.286174591747260509, 0.215241895913273806,
     0.000000000000000000];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Kind, RunStreams, StreamId};

    fn rngs(run: u64) -> [StreamRng; 4] {
        let streams = RunStreams::new(7, run);
        ["a", "b", "c", "d"].map(|id| streams.stream(Kind::Arrivals, StreamId::of(id)))
    }

    /// Four streams at once draw exactly what each draws alone, and are left
    /// in the same states, over means that take every path: the normal
    /// method, its rejections and tails, inversion below 30, zero, the cap
    /// above 10^15, and streams that leave the common path in the same month.
    #[test]
    fn four_at_once_are_each_stream_alone() {
        let mut checked = 0;
        for run in 0..200u64 {
            let months = 120;
            let means: Vec<[f64; 4]> = (0..months)
                .map(|m| {
                    let x = (m as f64 + 1.0) * (run as f64 + 1.0);
                    [
                        30.0 + x,
                        if m % 17 == 0 { 12.5 } else { 1000.0 + 37.0 * x },
                        if m % 29 == 0 { 0.0 } else { 30.0 + 0.5 * (m % 7) as f64 },
                        if m % 41 == 0 { 2e15 } else { 5e5 * (1.0 + (m % 3) as f64) },
                    ]
                })
                .collect();
            let (mut a, mut b) = (rngs(run), rngs(run));
            let (mut got, mut want) = (vec![[0.0; 4]; months], vec![[0.0; 4]; months]);
            poisson_counts_x4(&mut a, &means, &mut got);
            scalar(&mut b, &means, &mut want);
            for (m, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(g.map(f64::to_bits), w.map(f64::to_bits), "run {run}, month {m}, means {:?}", means[m]);
            }
            assert_eq!(a.each_ref().map(|r| r.state()), b.each_ref().map(|r| r.state()), "run {run}: states after");
            checked += months * 4;
        }
        assert_eq!(checked, 96_000);
    }

    /// Every ziggurat layer edge is `rand_distr`'s: a normal from the table's
    /// common path equals `StandardNormal`'s draw from the same word whenever
    /// that word stays on it, for words of every layer that has one.
    #[test]
    fn the_table_is_rand_distrs() {
        use rand::{Rng, RngExt};
        use rand_distr::{Distribution, StandardNormal};
        let mut layers_seen = [0u32; 256];
        let mut source = rngs(1).into_iter().next().unwrap();
        for _ in 0..200_000 {
            let seed: u64 = source.random();
            let mut rng = StreamRng::seed_from_u64(seed);
            let mut copy = rng.clone();
            let bits = copy.next_u64();
            let i = (bits & 0xff) as usize;
            let u = f64::from_bits((bits >> 12) | 0x4000_0000_0000_0000) - 3.0;
            let z = u * ZIG_NORM_X[i];
            if z.abs() < ZIG_NORM_X[i + 1] {
                let theirs: f64 = StandardNormal.sample(&mut rng);
                assert_eq!(z.to_bits(), theirs.to_bits(), "layer {i}");
                layers_seen[i] += 1;
            }
        }
        // The top layer's inner edge is 0: its draws always take the slow path.
        assert!(layers_seen[..255].iter().all(|&n| n > 0), "every layer drawn: {layers_seen:?}");
        assert_eq!(layers_seen[255], 0);
    }
}

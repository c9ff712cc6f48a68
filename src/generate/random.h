// Rng: a small deterministic PRNG (xoshiro256**, seeded through splitmix64).
//
// The generator's output must be byte-identical for the same seed on every
// platform and standard library, so nothing here uses std:: distributions
// (their algorithms are implementation-defined). Uniform integers use
// Lemire's multiply-shift without rejection: the bias is below n / 2^64 (or
// n / 2^16 for the 16-bit draws of Fill), far below anything a test can see.
//
// Value type; not thread-safe (give each thread its own Rng).
#pragma once

#include <cstddef>
#include <cstdint>

namespace logstream {

// One step of splitmix64: advances *state and returns a well-mixed value.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  // Streams with different (seed, stream) pairs are independent.
  explicit Rng(uint64_t seed, uint64_t stream = 0) {
    uint64_t sm = seed ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
    for (uint64_t& s : s_) s = SplitMix64(&sm);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi]; lo <= hi.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1) with 53 bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Writes n bytes uniform in [lo, hi] (hi - lo < 65536) to out: four bytes
  // per 64-bit draw, so a message costs a handful of calls, not one per char.
  void Fill(char* out, size_t n, unsigned lo, unsigned hi) {
    const uint64_t span = hi - lo + 1;
    size_t i = 0;
    while (i < n) {
      uint64_t x = Next();
      for (int k = 0; k < 4 && i < n; ++k, ++i, x >>= 16) {
        out[i] = static_cast<char>(lo + (((x & 0xffff) * span) >> 16));
      }
    }
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace logstream

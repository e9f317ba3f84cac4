#pragma once
// base/gosort.h: Go's sort.Sort (pattern-defeating quicksort, Go 1.19 and later), step for step.
//
// Use it where the comparison is not a strict weak order, as goyaml's "natural" map key order
// is not ("9" < "10" < "1a" < "9"): std::sort is undefined behaviour then, while this algorithm
// stays in bounds, runs in O(n log n) and is deterministic for a given input order. Go itself
// sorts keys in map iteration order, which is random, so on such cycles Helm's own output varies
// from run to run; where the order is consistent every correct sort agrees with Go's.
// Not stable, like Go's.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <utility>

namespace converge {

// Sorts positions [0, n) given less(i, j) and swap(i, j) over positions.
template <typename Less, typename Swap>
void GoSort(size_t n, Less less, Swap swap);

namespace gosort_internal {

enum class Hint { kUnknown, kIncreasing, kDecreasing };

template <typename Less, typename Swap>
struct Sorter {
  Less& less;
  Swap& swap;

  void InsertionSort(ptrdiff_t a, ptrdiff_t b) {
    for (ptrdiff_t i = a + 1; i < b; ++i) {
      for (ptrdiff_t j = i; j > a && less(j, j - 1); --j) swap(j, j - 1);
    }
  }

  void SiftDown(ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t first) {
    ptrdiff_t root = lo;
    while (true) {
      ptrdiff_t child = 2 * root + 1;
      if (child >= hi) return;
      if (child + 1 < hi && less(first + child, first + child + 1)) ++child;
      if (!less(first + root, first + child)) return;
      swap(first + root, first + child);
      root = child;
    }
  }

  void HeapSort(ptrdiff_t a, ptrdiff_t b) {
    ptrdiff_t first = a;
    ptrdiff_t hi = b - a;
    for (ptrdiff_t i = (hi - 1) / 2; i >= 0; --i) SiftDown(i, hi, first);
    for (ptrdiff_t i = hi - 1; i >= 0; --i) {
      swap(first, first + i);
      SiftDown(0, i, first);
    }
  }

  // Returns the pivot's final position and whether nothing had to move.
  std::pair<ptrdiff_t, bool> Partition(ptrdiff_t a, ptrdiff_t b, ptrdiff_t pivot) {
    swap(a, pivot);
    ptrdiff_t i = a + 1;
    ptrdiff_t j = b - 1;
    while (i <= j && less(i, a)) ++i;
    while (i <= j && !less(j, a)) --j;
    if (i > j) {
      swap(j, a);
      return {j, true};
    }
    swap(i, j);
    ++i;
    --j;
    while (true) {
      while (i <= j && less(i, a)) ++i;
      while (i <= j && !less(j, a)) --j;
      if (i > j) break;
      swap(i, j);
      ++i;
      --j;
    }
    swap(j, a);
    return {j, false};
  }

  ptrdiff_t PartitionEqual(ptrdiff_t a, ptrdiff_t b, ptrdiff_t pivot) {
    swap(a, pivot);
    ptrdiff_t i = a + 1;
    ptrdiff_t j = b - 1;
    while (true) {
      while (i <= j && !less(a, i)) ++i;
      while (i <= j && less(a, j)) --j;
      if (i > j) break;
      swap(i, j);
      ++i;
      --j;
    }
    return i;
  }

  bool PartialInsertionSort(ptrdiff_t a, ptrdiff_t b) {
    constexpr int kMaxSteps = 5;
    constexpr ptrdiff_t kShortestShifting = 50;
    ptrdiff_t i = a + 1;
    for (int step = 0; step < kMaxSteps; ++step) {
      while (i < b && !less(i, i - 1)) ++i;
      if (i == b) return true;
      if (b - a < kShortestShifting) return false;
      swap(i, i - 1);
      if (i - a >= 2) {
        // Go bounds this loop by 1, not by a.
        for (ptrdiff_t j = i - 1; j >= 1; --j) {
          if (!less(j, j - 1)) break;
          swap(j, j - 1);
        }
      }
      if (b - i >= 2) {
        for (ptrdiff_t j = i + 1; j < b; ++j) {
          if (!less(j, j - 1)) break;
          swap(j, j - 1);
        }
      }
    }
    return false;
  }

  void BreakPatterns(ptrdiff_t a, ptrdiff_t b) {
    ptrdiff_t length = b - a;
    if (length < 8) return;
    uint64_t random = static_cast<uint64_t>(length);
    uint64_t modulus = uint64_t{1} << std::bit_width(static_cast<uint64_t>(length));
    ptrdiff_t index = a + (length / 4) * 2 - 1;
    for (ptrdiff_t i = 0; i < 3; ++i) {
      random ^= random << 13;
      random ^= random >> 7;
      random ^= random << 17;
      auto other = static_cast<ptrdiff_t>(random & (modulus - 1));
      if (other >= length) other -= length;
      swap(index - 1 + i, a + other);
    }
  }

  std::pair<ptrdiff_t, ptrdiff_t> Order2(ptrdiff_t a, ptrdiff_t b, int& swaps) {
    if (less(b, a)) {
      ++swaps;
      return {b, a};
    }
    return {a, b};
  }

  ptrdiff_t Median(ptrdiff_t a, ptrdiff_t b, ptrdiff_t c, int& swaps) {
    std::tie(a, b) = Order2(a, b, swaps);
    std::tie(b, c) = Order2(b, c, swaps);
    std::tie(a, b) = Order2(a, b, swaps);
    return b;
  }

  std::pair<ptrdiff_t, Hint> ChoosePivot(ptrdiff_t a, ptrdiff_t b) {
    constexpr ptrdiff_t kShortestNinther = 50;
    constexpr int kMaxSwaps = 4 * 3;
    ptrdiff_t length = b - a;
    int swaps = 0;
    ptrdiff_t i = a + length / 4 * 1;
    ptrdiff_t j = a + length / 4 * 2;
    ptrdiff_t k = a + length / 4 * 3;
    if (length >= 8) {
      if (length >= kShortestNinther) {
        i = Median(i - 1, i, i + 1, swaps);
        j = Median(j - 1, j, j + 1, swaps);
        k = Median(k - 1, k, k + 1, swaps);
      }
      j = Median(i, j, k, swaps);
    }
    if (swaps == 0) return {j, Hint::kIncreasing};
    if (swaps == kMaxSwaps) return {j, Hint::kDecreasing};
    return {j, Hint::kUnknown};
  }

  void Reverse(ptrdiff_t a, ptrdiff_t b) {
    for (ptrdiff_t i = a, j = b - 1; i < j; ++i, --j) swap(i, j);
  }

  void Pdqsort(ptrdiff_t a, ptrdiff_t b, int limit) {
    constexpr ptrdiff_t kMaxInsertion = 12;
    bool was_balanced = true;
    bool was_partitioned = true;
    while (true) {
      ptrdiff_t length = b - a;
      if (length <= kMaxInsertion) {
        InsertionSort(a, b);
        return;
      }
      if (limit == 0) {
        HeapSort(a, b);
        return;
      }
      if (!was_balanced) {
        BreakPatterns(a, b);
        --limit;
      }
      auto [pivot, hint] = ChoosePivot(a, b);
      if (hint == Hint::kDecreasing) {
        Reverse(a, b);
        pivot = (b - 1) - (pivot - a);
        hint = Hint::kIncreasing;
      }
      if (was_balanced && was_partitioned && hint == Hint::kIncreasing &&
          PartialInsertionSort(a, b)) {
        return;
      }
      if (a > 0 && !less(a - 1, pivot)) {
        a = PartitionEqual(a, b, pivot);
        continue;
      }
      auto [mid, already_partitioned] = Partition(a, b, pivot);
      was_partitioned = already_partitioned;
      ptrdiff_t left = mid - a;
      ptrdiff_t right = b - mid;
      ptrdiff_t balance_threshold = length / 8;
      if (left < right) {
        was_balanced = left >= balance_threshold;
        Pdqsort(a, mid, limit);
        a = mid + 1;
      } else {
        was_balanced = right >= balance_threshold;
        Pdqsort(mid + 1, b, limit);
        b = mid;
      }
    }
  }
};

}  // namespace gosort_internal

template <typename Less, typename Swap>
void GoSort(size_t n, Less less, Swap swap) {
  if (n <= 1) return;
  auto less_at = [&](ptrdiff_t i, ptrdiff_t j) {
    return less(static_cast<size_t>(i), static_cast<size_t>(j));
  };
  auto swap_at = [&](ptrdiff_t i, ptrdiff_t j) {
    swap(static_cast<size_t>(i), static_cast<size_t>(j));
  };
  gosort_internal::Sorter<decltype(less_at), decltype(swap_at)> sorter{less_at, swap_at};
  sorter.Pdqsort(0, static_cast<ptrdiff_t>(n), std::bit_width(n));
}

}  // namespace converge

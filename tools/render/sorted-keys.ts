/**
 * `Object.keys(o).sort()`, the order protobuf's Struct and the manifest writer give a map's keys.
 * V8's sort copies the array into a work array of its own before sorting it, and the renderer
 * sorts the keys of every map it copies or writes, most of them a handful of keys long: for those
 * an insertion sort in place gives the same order (strings compared by UTF-16 code units, as
 * sort() without a comparator compares them) without that garbage. Longer lists take sort().
 */
export function sortedKeys(o: object): string[] {
    const keys = Object.keys(o);
    if (keys.length > SHORT) return keys.sort();
    for (let i = 1; i < keys.length; i++) {
        const k = keys[i];
        let j = i - 1;
        while (j >= 0 && keys[j] > k) {
            keys[j + 1] = keys[j];
            j--;
        }
        keys[j + 1] = k;
    }
    return keys;
}

/** Up to this many keys, insertion sort: its quadratic steps cost less than sort()'s copy. */
const SHORT = 16;

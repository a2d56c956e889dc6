#!/usr/bin/env bash
# Installs mmkd, builds examples/external_plugin against the installed package and checks,
# with the installed mmkd, that the plugin is listed, described and computes its loss.
# Usage: install_plugin_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

build=$(realpath "$1")
source=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cached() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }

# The code block of README.md that follows the line "`myplugin/FILE`:".
readme_block() {
  awk -v title="\`myplugin/$1\`:" '$0 == title { want = 1; next }
    want && /^```/ { if (inside) exit; inside = 1; next } inside' "$source/README.md"
}

for file in cosine_loss.cpp CMakeLists.txt; do
  [[ $(readme_block "$file") == "$(cat "$source/examples/external_plugin/$file")" ]] ||
    fail "README.md's myplugin/$file differs from examples/external_plugin/$file"
done

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 ||
  fail "cmake --install $build: $(cat "$tmp/install.log")"

# No build type, as a user who leaves out -DCMAKE_BUILD_TYPE: the plugin must still be optimised.
configure=(-S "$source/examples/external_plugin" -B "$tmp/build" -G Ninja "-DCMAKE_PREFIX_PATH=$tmp/prefix")
for variable in Torch_DIR CMAKE_CXX_COMPILER CMAKE_CXX_COMPILER_LAUNCHER; do
  value=$(cached "$variable")
  if [[ -n $value && $value != *-NOTFOUND ]]; then configure+=("-D$variable=$value"); fi
done
cmake "${configure[@]}"
cmake --build "$tmp/build"
compile=$(ninja -C "$tmp/build" -t commands | grep -- ' -c .*cosine_loss\.cpp') || fail "no compile command for cosine_loss.cpp"
[[ " $compile " == *" -O2 "* && " $compile " == *" -DNDEBUG "* ]] ||
  fail "the plugin built without a build type is not optimised (-O2 -DNDEBUG): $compile"

mmkd=$tmp/prefix/bin/mmkd
library=$tmp/build/mmkd_example_losses.so
[[ -x $mmkd ]] || fail "no installed executable $mmkd"
[[ -f $library ]] || fail "the example did not build $library"
export MMKD_PLUGIN_PATH=$tmp/build

"$mmkd" list >"$tmp/list.txt" 2>&1 || fail "mmkd list: $(cat "$tmp/list.txt")"
cat "$tmp/list.txt"
awk -v library="$library" '/^[A-Za-z_]+:/ { kind = $0 }
  kind ~ /^loss/ && $1 == "example_cosine" && index($0, library) { found = 1 } END { exit !found }' "$tmp/list.txt" ||
  fail "mmkd list shows no loss example_cosine from $library"

"$mmkd" describe loss/example_cosine >"$tmp/describe.txt" 2>&1 || fail "mmkd describe: $(cat "$tmp/describe.txt")"
cat "$tmp/describe.txt"
for word in mmkd_example_losses.so student teacher eps 'lower bound of'; do
  grep -q -- "$word" "$tmp/describe.txt" || fail "mmkd describe loss/example_cosine does not mention '$word'"
done

python3 - "$tmp/inputs.safetensors" <<'PY'
import json, struct, sys

tensors = {
    "student": [[1.0, 2.0, 3.0], [0.5, -1.0, 0.25]],
    "teacher": [[2.0, 0.0, 1.0], [1.0, 1.0, -0.5]],
}
header, data = {}, b""
for name, rows in tensors.items():
    values = [v for row in rows for v in row]
    chunk = struct.pack("<%df" % len(values), *values)
    header[name] = {"dtype": "F32", "shape": [len(rows), len(rows[0])], "data_offsets": [len(data), len(data) + len(chunk)]}
    data += chunk
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
PY

"$mmkd" probe loss/example_cosine --config '{"eps": 4.0}' --inputs "$tmp/inputs.safetensors" \
  --out "$tmp/out.safetensors" >"$tmp/probe.txt" 2>&1 || fail "mmkd probe: $(cat "$tmp/probe.txt")"

python3 - "$tmp/out.safetensors" <<'PY'
import json, math, struct, sys

with open(sys.argv[1], "rb") as f:
    blob = f.read()
(length,) = struct.unpack("<Q", blob[:8])
header = json.loads(blob[8:8 + length])
data = blob[8 + length:]
formats = {"F64": "d", "F32": "f", "F16": "e"}


def tensor(name, shape):
    if name not in header:
        sys.exit("FAIL: probe output has no `%s`; tensors: %s" % (name, sorted(k for k in header if k != "__metadata__")))
    entry = header[name]
    if entry["dtype"] not in formats or math.prod(entry["shape"]) != math.prod(shape):
        sys.exit("FAIL: probe `%s` is %s %s, expected %s floats" % (name, entry["dtype"], entry["shape"], shape))
    begin, end = entry["data_offsets"]
    return struct.unpack("<%d%s" % (math.prod(shape), formats[entry["dtype"]]), data[begin:end])


def check(name, got, expected):
    for g, e in zip(got, expected):
        if not math.isclose(g, e, rel_tol=1e-4, abs_tol=1e-5):
            sys.exit("FAIL: probe `%s` is %s, expected %s" % (name, list(got), list(expected)))
    print("probe %s matches" % name)


student = [[1.0, 2.0, 3.0], [0.5, -1.0, 0.25]]
teacher = [[2.0, 0.0, 1.0], [1.0, 1.0, -0.5]]
eps = 4.0


def cosines(student, teacher):
    norm = lambda v: math.sqrt(sum(x * x for x in v))
    return [sum(a * b for a, b in zip(s, t)) / max(norm(s) * norm(t), eps) for s, t in zip(student, teacher)]


def loss(student, teacher):
    return sum(1 - c for c in cosines(student, teacher)) / len(student)


def finite_difference(which):
    h, grad = 1e-6, []
    for i in range(2):
        for j in range(3):
            shifted = []
            for sign in (1, -1):
                pair = [[list(row) for row in m] for m in (student, teacher)]
                pair[which][i][j] += sign * h
                shifted.append(loss(*pair))
            grad.append((shifted[0] - shifted[1]) / (2 * h))
    return grad


check("loss", tensor("loss", []), [loss(student, teacher)])
check("metric.cosine", tensor("metric.cosine", []), [sum(cosines(student, teacher)) / 2])
check("grad.student", tensor("grad.student", [2, 3]), finite_difference(0))
check("grad.teacher", tensor("grad.teacher", [2, 3]), finite_difference(1))
PY

if "$mmkd" probe loss/example_cosine --config '{"eps": -1.0}' --inputs "$tmp/inputs.safetensors" \
  --out "$tmp/bad.safetensors" >"$tmp/bad.txt" 2>&1; then
  fail "mmkd probe accepted eps: -1.0 although the option is declared positive"
fi
grep -q eps "$tmp/bad.txt" || fail "the error for eps: -1.0 does not name the option: $(cat "$tmp/bad.txt")"

echo "install_plugin: OK"

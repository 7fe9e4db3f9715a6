# Sourced by bench/compare.sh and bench/conv-layers.sh: torch_python WANT PYTHON sets py to the python that
# can import torch: PYTHON when given (or stops: die is the caller's), else Debian's /usr/bin/python3 (a
# pyenv python3 earlier on the PATH may lack torch), else python3 on the PATH; py stays empty (one line says
# so) when none can, or when WANT is 0 (--no-torch).
torch_python() {
  local want=$1 python=$2 cand
  py=""
  [ "$want" = 1 ] || return 0
  if [ -n "$python" ]; then
    "$python" -c 'import torch' 2>/dev/null || die "--python $python cannot import torch."
    py=$python
    return 0
  fi
  for cand in /usr/bin/python3 "$(command -v python3 || true)"; do
    if [ -n "$cand" ] && [ -x "$cand" ] && "$cand" -c 'import torch' 2>/dev/null; then py=$cand; return 0; fi
  done
  echo "PyTorch part skipped: no python3 that can import torch (Debian: apt-get install python3-torch python3-torchvision)."
}

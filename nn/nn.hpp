// The neural-network library in one include: tape and ops (reverse-mode autodiff on
// float32 Eigen matrices, row-major batch × features), losses, initialisers, modules,
// optimizers and serialisation. See each header for its contract.
#pragma once
#include "nn/init.hpp"
#include "nn/losses.hpp"
#include "nn/module.hpp"
#include "nn/ops.hpp"
#include "nn/optim.hpp"
#include "nn/serialize.hpp"
#include "nn/tape.hpp"

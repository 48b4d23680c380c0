// The neural-network library in one include: tape and ops (reverse-mode autodiff on
// float32 Eigen matrices, row-major batch × features), losses, initialisers, modules,
// optimizers and serialisation. See each header for its contract.
#pragma once
#include "core/nn/init.hpp"
#include "core/nn/losses.hpp"
#include "core/nn/module.hpp"
#include "core/nn/ops.hpp"
#include "core/nn/optim.hpp"
#include "core/nn/serialize.hpp"
#include "core/nn/tape.hpp"

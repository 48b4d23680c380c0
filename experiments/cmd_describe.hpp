// The parameter model as data: what `rlsim describe ID --json` prints (implemented in
// experiments/cmd_describe.cpp; documented in docs/commands.md), for front ends other than
// the command line (the Python package turns it into keyword arguments and docstrings).
//
// One JSON object per id:
//   {"id", "kind": "env" | "agent", "doc", "origin": "built-in" or the plugin's path,
//    envs only: "observation_space", "action_space" (objects: "type": "discrete" with "n",
//      "start", or "box" with "shape", "low", "high"; and "text", as describe prints it),
//      "max_episode_steps" (null: no limit), "reward_threshold" (null: none),
//      "capabilities" (a list of "model", "regret-oracle", "state", "success"),
//    "parameters": [{"name", "type", "default", "range", "choices", "doc", "source"}]}
// type is one of "bool", "int", "float", "string", "float_list", "int_list"; default is the
// JSON value of that type (an int_list is a list of integers, a float is written with a
// decimal point or an exponent); range is null when the parameter has none, else
// {"min", "max"} with null for an unbounded side (integers for int and int_list); choices is
// null or the list of allowed strings; source is null or where the default comes from.
// Box bounds that are infinite are null too. An env's parameters include max_episode_steps,
// as in `rlsim describe`.
#pragma once
#include <iosfwd>
#include <string>

#include "core/params.hpp"
#include "core/registry.hpp"

namespace rlsim {

// The object of one parameter, on one line.
std::string param_spec_json(const ParamSpec& spec);
// The object of an env or agent id. Throws rlsim::Error for an unknown id, suggesting close
// matches.
void write_describe_json(std::ostream& os, const Registry& registry, const std::string& id);

}  // namespace rlsim

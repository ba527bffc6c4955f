#!/usr/bin/env node
import { runDaemon } from "@kates/component-base";
import { run } from "./kubelet.js";
import { KUBELET_FLAGS, kubeletOptions } from "./options.js";

runDaemon({ name: "kates-kubelet", summary: "the node agent: runs the pods bound to this node through the runtime shim", flags: KUBELET_FLAGS, options: kubeletOptions, run });

// @moe/config-store: nothing is exported until it is implemented (see the open issues).
export {};

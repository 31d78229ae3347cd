/* norm.c - placeholder until implemented. */

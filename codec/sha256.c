/* sha256.c - placeholder until implemented. */

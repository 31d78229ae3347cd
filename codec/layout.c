/* layout.c - placeholder until implemented. */

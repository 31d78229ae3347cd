/* describe.c - placeholder until implemented. */

/* conf.c - placeholder until implemented. */

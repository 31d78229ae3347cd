/* zip.c - placeholder until implemented. */

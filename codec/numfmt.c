/* numfmt.c - placeholder until implemented. */

/* jser.c - placeholder until implemented. */

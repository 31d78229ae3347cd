/* updater.c - placeholder until implemented. */

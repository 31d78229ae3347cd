/* nd4j.c - placeholder until implemented. */

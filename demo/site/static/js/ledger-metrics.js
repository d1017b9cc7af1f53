/* demo metrics stub: intentionally empty */

/* demo bundle: intentionally empty */

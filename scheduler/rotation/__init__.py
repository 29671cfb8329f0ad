"""The annual teacher rotation (交流轮岗): who may rotate, the CP-SAT proposal, and applying it."""

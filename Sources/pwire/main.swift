print("pwire")

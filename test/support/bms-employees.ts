import { stackInfo } from './stack-info';

/** A BMS employee as the emulator holds it (the fields the tests read). */
export interface EmulatorEmployee {
  id: number;
  userName: string;
  firstName: string;
  lastName: string;
  emailAddress: string;
  isActive: boolean;
}

/** The shared stack's BMS employees with this e-mail address (any case), read from the emulator. */
export async function employeesWith(email: string): Promise<EmulatorEmployee[]> {
  const all = (await (await fetch(`${stackInfo().bmsApiUrl}/_emulator/employees`)).json()) as EmulatorEmployee[];
  return all.filter((e) => e.emailAddress.toLowerCase() === email.toLowerCase());
}

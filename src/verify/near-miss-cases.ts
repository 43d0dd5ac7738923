/**
 * Near misses (issue #19): answers that differ from the gold only by a tiny term, a huge exponent, a 1-ulp
 * constant or a decimal approximation, which an RL reward must reject, next to the exact rewrites of huge values
 * and identities it must accept.
 */
import { approx, type Case, neg, pos } from './cases.js';

export const NEAR_MISS_CASES: Case[] = [
  neg('4.5', '4.5+10^{-30}'),
  neg('0.15', '0.1504'),
  pos('1.6', '\\frac{8}{5}'),
  pos('2^{299999}', '2^{300000}-2^{299999}', 'beyond the exact limit'),
  pos('3^{62500}', '\\sqrt{3^{125000}}', 'radical of a perfect power'),
  pos('10^{999999}', '1e999999', 'scientific notation, huge exponent'),
  neg('10^{999999}', '1e999998'),
  neg('2^{100}', '\\sqrt2^{200}+1', 'a unit hidden under 2^100'),
  neg('2^{300000}', '2^{300000}+1000000007\\cdot 998244353\\cdot 1000000009', 'divisible by fixed primes'),
  neg('\\pi', '3.1416'),
  neg('\\sqrt2', '1.414'),
  neg('\\pi', '3.14159265358979', 'one ulp off'),
  neg('\\pi', '\\frac{314159265358979}{100000000000000}'),
  approx('\\sqrt2', '1.414'),
  neg('\\sqrt2', '1.415', 'not correctly rounded, even as an approximation'),
  neg('\\frac{x}{10^{20}}', '\\frac{x+1}{10^{20}}', 'a difference under a tiny scale'),
  neg('x^{1000000000}', 'x^{1000000001}', 'a huge exponent'),
  neg('x', 'x+10^{-30}'),
  neg('\\sin(10^{30}x)', '\\sin(10^{30}x+1)', 'trigonometry past double precision'),
  pos('\\sin(10^{30}x)', '\\sin(x\\cdot 10^{30})'),
  pos('\\sin(2\\cdot 10^{30}x)', '2\\sin(10^{30}x)\\cos(10^{30}x)', 'an identity doubles cannot resolve'),
  neg('\\sin(2\\cdot 10^{30}x)', '2\\sin(10^{30}x)\\cos(10^{30}x)+10^{-50}'),
  pos('\\ln(10^{30}x)', '30\\ln 10+\\ln x'),
  neg('x', 'x+\\max(0, x-10^{6})', 'differs only far out'),
  pos('\\sin^2 x+\\cos^2 x', '1'),
  pos('2^{x}', '4^{x/2}'),
  pos('\\sqrt{3+2\\sqrt2}', '1+\\sqrt2', 'nested radical'),
  approx('4.123105625617661', '\\sqrt{17}', 'a long decimal gold: high precision decides the rounding'),
  neg('4.123105625617662', '\\sqrt{17}'),
];
